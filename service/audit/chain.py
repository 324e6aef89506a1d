"""Tamper evidence: each stored event is chained by a hash to its aggregate's previous event.

One chain per aggregate (docs/audit.md says why): the link of version v is

    sha256(link of v-1, or 32 zero bytes for v = 1
           ‖ position ‖ aggregate id ‖ version ‖ topic ‖ stored state)

over the bytes the event store holds, so an event altered, removed, renumbered or slipped in
by SQL no longer matches its link. Links live in a table beside the events
(`certification_events_chain`) and are written in the same transaction as the events they
cover: neither commits without the other.
"""

from __future__ import annotations

import hashlib
import logging
import struct
import threading
from collections import OrderedDict
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    select,
)
from sqlalchemy import event as sqlalchemy_events
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

GENESIS = bytes(32)  # what the first event of every aggregate is chained to
REMEMBERED_AGGREGATES = 10_000
PENDING_LINKS = "score_audit_pending_links"  # key in the session's info: links not yet committed
_NUMBER = struct.Struct(">Q")

Key = tuple[UUID, int]  # (aggregate id, version)


@dataclass(frozen=True)
class Link:
    """One row of the chain: which event, where it was stored, and its hash (hex)."""

    aggregate_id: UUID
    version: int
    position: int
    hash: str

    def as_row(self) -> dict[str, Any]:
        return {
            "originator_id": self.aggregate_id,
            "originator_version": self.version,
            "position": self.position,
            "hash": self.hash,
        }


def link_hash(previous: bytes, event: Notification) -> bytes:
    """The hash chaining `event` (as stored) to the link of its aggregate's previous event."""
    originator_id = event.originator_id
    if not isinstance(originator_id, UUID):
        originator_id = UUID(str(originator_id))
    topic = event.topic.encode()
    digest = hashlib.sha256(previous)
    digest.update(_NUMBER.pack(event.id))
    digest.update(originator_id.bytes)
    digest.update(_NUMBER.pack(event.originator_version))
    # Lengths first, so that no two different (topic, state) pairs give the same bytes.
    digest.update(_NUMBER.pack(len(topic)))
    digest.update(topic)
    digest.update(_NUMBER.pack(len(event.state)))
    digest.update(event.state)
    return digest.digest()


def chain_table(events: Table, metadata: MetaData | None = None) -> Table:
    """The links table beside `events`; its aggregate id has the very type of the events'."""
    number = BigInteger().with_variant(Integer(), "sqlite")
    name = f"{events.name}_chain"
    return Table(
        name,
        metadata or MetaData(),
        Column("originator_id", events.c.originator_id.type, primary_key=True),
        Column("originator_version", number, primary_key=True),
        # Not unique: SQLite may hand a deleted last event's id to the next event, and a
        # tampered store must still accept new steps (verify reports the damage).
        Column("position", number, nullable=False),
        Column("hash", String(64), nullable=False),
        Index(f"{name}_position", "position"),
    )


class CommittedLinks:
    """The last committed link of recently saved aggregates, so a step need not read it back.

    Only links whose transaction committed get here, and each is looked up by its exact
    (aggregate, version), so an entry is never wrong: at worst it is not the one wanted,
    and the link is read from the table.
    """

    def __init__(self, max_size: int) -> None:
        self._max_size = max_size
        self._last: OrderedDict[UUID, tuple[int, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, aggregate_id: UUID, version: int) -> bytes | None:
        with self._lock:
            found = self._last.get(aggregate_id)
        return found[1] if found is not None and found[0] == version else None

    def remember(self, links: Sequence[Link]) -> None:
        with self._lock:
            for link in links:
                self._last[link.aggregate_id] = (link.version, bytes.fromhex(link.hash))
                self._last.move_to_end(link.aggregate_id)
            while len(self._last) > self._max_size:
                self._last.popitem(last=False)


class EventChain:
    """Writes the links of saved events, inside the transaction that saves them."""

    def __init__(self, recorder: Any, remember: int = REMEMBERED_AGGREGATES) -> None:
        self._recorder = recorder
        self.events: Table = recorder.events_record_cls.__table__
        self.engine: Engine = recorder.datastore.engine
        self.table = chain_table(self.events)
        c = self.table.c
        # Built once: SQLAlchemy then reuses the compiled statements on every save.
        self._insert = insert(self.table)
        self._find_hash = select(c.hash).where(
            c.originator_id == bindparam("aggregate_id"),
            c.originator_version == bindparam("version"),
        )
        self._committed = CommittedLinks(remember)
        sessions = recorder.datastore.session_maker
        if sessions is not None:  # None only with a scoped session: then links are read back
            sqlalchemy_events.listen(sessions, "after_commit", self._after_commit)

    @classmethod
    def attach(cls, recorder: object) -> EventChain:
        """The chain for an eventsourcing-sqlalchemy recorder (its table: the migrations)."""
        if not hasattr(recorder, "events_record_cls") or not hasattr(recorder, "transaction"):
            raise TypeError(
                f"The hash chain needs eventsourcing_sqlalchemy's recorder, not {recorder!r}."
            )
        return cls(recorder)

    def transaction(self) -> AbstractContextManager[Session]:
        """The event store's own transaction: events and links commit together."""
        transaction: AbstractContextManager[Session] = self._recorder.transaction(commit=True)
        return transaction

    def link(self, session: Session, notifications: Sequence[Notification]) -> list[Link]:
        """Insert the links of just-inserted (not yet committed) events, in `session`."""
        if not notifications:
            return []
        conn = session.connection()
        known: dict[Key, bytes] = {}
        links = []
        for stored in notifications:  # an aggregate's events arrive in version order
            key = (_uuid(stored.originator_id), stored.originator_version)
            digest = link_hash(self._previous(conn, known, key), stored)
            known[key] = digest
            links.append(Link(key[0], key[1], stored.id, digest.hex()))
        conn.execute(self._insert, [link.as_row() for link in links])
        session.info.setdefault(PENDING_LINKS, []).extend(links)
        return links

    def _after_commit(self, session: Session) -> None:
        self._committed.remember(session.info.pop(PENDING_LINKS, ()))

    def _previous(self, conn: Connection, known: dict[Key, bytes], key: Key) -> bytes:
        """The link of the event before `key`: from this save, or as stored."""
        aggregate_id, version = key
        if version == 1:
            return GENESIS
        previous = (aggregate_id, version - 1)
        if previous in known:
            return known[previous]
        if (remembered := self._committed.get(aggregate_id, version - 1)) is not None:
            return remembered
        stored = conn.execute(
            self._find_hash, {"aggregate_id": aggregate_id, "version": version - 1}
        ).scalar_one_or_none()
        if stored is None:
            # Never refuse a step for want of a link: the event was stored before the chain
            # existed (run `score audit seal`) or its link was removed; verify reports it.
            log.warning("no link for %s v%s: chaining the next to zero", aggregate_id, version - 1)
            return GENESIS
        return bytes.fromhex(stored)


def _uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
