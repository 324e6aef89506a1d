"""Who read what in the audit, and when: every audit read is itself recorded.

The log is a service table (`svc_audit_reads`), not the event store: reading changes no
domain record, and the event store stays the record of what happened to trainers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Engine, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from projections.tables import UTCDateTime
from service.storage.database import ServiceTables

MAX_READS_PAGE = 1000


class AuditReadRow(ServiceTables):
    __tablename__ = "svc_audit_reads"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    username: Mapped[str] = mapped_column(String(120), index=True)
    role: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(1000))
    parameters: Mapped[str] = mapped_column(Text)  # the query parameters, as a JSON object


@dataclass(frozen=True)
class AuditRead:
    id: int
    read_at: datetime
    username: str
    role: str
    path: str
    parameters: dict[str, Any]


class AuditReadLog:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(
        self,
        username: str,
        role: str,
        path: str,
        parameters: Mapping[str, Sequence[str]],
        at: datetime,
    ) -> AuditRead:
        """Record one read; a parameter given once is kept as a string, repeated as a list."""
        kept = {k: v[0] if len(v) == 1 else list(v) for k, v in parameters.items()}
        row = AuditReadRow(
            read_at=at, username=username, role=role, path=path, parameters=json.dumps(kept)
        )
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            session.add(row)
        return _read(row)

    def reads(
        self,
        username: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        after: int = 0,
        limit: int = 100,
    ) -> list[AuditRead]:
        """Recorded reads in the order they happened, after the read with id `after`."""
        query = select(AuditReadRow).where(AuditReadRow.id > after)
        if username is not None:
            query = query.where(AuditReadRow.username == username)
        if since is not None:
            query = query.where(AuditReadRow.read_at >= since)
        if until is not None:
            query = query.where(AuditReadRow.read_at <= until)
        query = query.order_by(AuditReadRow.id).limit(min(limit, MAX_READS_PAGE))
        with Session(self._engine) as session:
            return [_read(row) for row in session.scalars(query)]


def _read(row: AuditReadRow) -> AuditRead:
    return AuditRead(
        row.id, row.read_at, row.username, row.role, row.path, json.loads(row.parameters)
    )
