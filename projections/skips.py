"""Recorded skips: stored events the read models leave out, each with who decided it and why.

The last resort for an event the projector cannot project (say, of a type a newer release
wrote): the operator records a skip with `score projector skip POSITION --reason …`. The
stored event itself is never touched. The skips live beside the events (not with a set of
read-model tables), because they are a fact about the log: the live projector, a rebuild
into other tables or another database, and an "as of" answer all read the same list, so
they all leave out the same events and a rebuild still equals the live read models.

A skip is accepted only for an event at or after the position the projector is stuck at:
the projector cannot have passed it, so no read model already holds what it left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Notification
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from projections.stored import clean_text
from projections.tables import UTCDateTime
from projections.tracking import PROJECTION_NAME


class SkipRefused(ValueError):
    """The skip was not recorded; the message says why and what to do instead."""


@dataclass(frozen=True)
class Skip:
    position: int  # the event's notification id
    aggregate_id: str
    version: int
    topic: str
    reason: str
    skipped_by: str
    skipped_at: datetime


class Skipped:
    """The skips as the projector consults them: by position, and by aggregate version (a
    state replayed from the store must leave out the same events as the log walked)."""

    def __init__(self, skips: Sequence[Skip] = ()) -> None:
        self.skips = tuple(skips)
        self._positions = frozenset(s.position for s in self.skips)
        self._versions = frozenset((s.aggregate_id, s.version) for s in self.skips)

    def position(self, position: int) -> bool:
        return position in self._positions

    def version(self, aggregate_id: UUID | str, version: int) -> bool:
        return (str(aggregate_id), version) in self._versions


def _skips_table(events_table: str) -> Table:
    return Table(
        f"{events_table}_projection_skips",
        MetaData(),
        Column("projection", String(64), primary_key=True),
        Column("position", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
        Column("aggregate_id", String(36), nullable=False),
        Column("version", Integer, nullable=False),
        Column("topic", Text, nullable=False),
        Column("reason", Text, nullable=False),
        Column("skipped_by", Text, nullable=False),
        Column("skipped_at", UTCDateTime(), nullable=False),
    )


class SkipList:
    """The recorded skips of one projection, in the event store's database."""

    def __init__(self, engine: Engine, events_table: str, projection: str) -> None:
        self._engine = engine
        self._projection = projection
        self.table = _skips_table(events_table)  # made by the migrations

    @classmethod
    def of(cls, app: Application[UUID], projection: str = PROJECTION_NAME) -> SkipList:
        recorder: Any = app.recorder
        engine: Engine = recorder.datastore.engine
        return cls(engine, recorder.events_record_cls.__table__.name, projection)

    def load(self) -> Skipped:
        c = self.table.c
        query = select(self.table).where(c.projection == self._projection).order_by(c.position)
        with self._engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return Skipped(
            tuple(
                Skip(
                    r["position"],
                    r["aggregate_id"],
                    r["version"],
                    r["topic"],
                    r["reason"],
                    r["skipped_by"],
                    r["skipped_at"],
                )
                for r in rows
            )
        )

    def record(
        self,
        event: Notification,
        reason: str,
        skipped_by: str,
        at: datetime,
        stuck_at: int | None,
        projected_to: int = 0,
    ) -> Skip:
        """Record a skip of `event`: only the very event the projector is stuck at.

        Anything else could make the live read models and a rebuild differ: a later event may
        yet be projected (if the stuck one is repaired another way), and one at or before the
        read models' position (`projected_to`) is already in them.
        """
        reason, skipped_by = clean_text(reason).strip(), clean_text(skipped_by).strip()
        if not reason:
            raise SkipRefused("Say why the event is skipped (--reason): the audit keeps it.")
        if not skipped_by:
            raise SkipRefused("Say who skips the event (--by).")
        if stuck_at is None:
            raise SkipRefused(
                "The projector is not stuck: only an event it cannot project may be skipped, "
                "at or after the position it is stuck at (see `score projector status`)."
            )
        if event.id <= projected_to:
            raise SkipRefused(
                f"Event {event.id} is already in the read models (they are at {projected_to}) "
                "and cannot be left out now."
            )
        if event.id != stuck_at:
            raise SkipRefused(
                f"The projector is stuck at {stuck_at}: only that event may be skipped; "
                f"event {event.id} may yet be projected."
            )
        skip = Skip(
            event.id,
            str(event.originator_id),
            event.originator_version,
            event.topic,
            reason,
            skipped_by,
            at,
        )
        row = {"projection": self._projection, **vars(skip)}
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(self.table).values(row))
        except IntegrityError:
            raise SkipRefused(f"Event {event.id} is already skipped.") from None
        return skip
