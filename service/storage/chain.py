"""Tamper evidence: each stored event is chained by a hash to its aggregate's previous event.

One chain per aggregate (docs/audit.md says why): the link of version v is

    sha256(link of v-1, or 32 zero bytes for v = 1
           ‖ position ‖ aggregate id ‖ version ‖ topic ‖ stored state)

over the bytes the event store holds, so an event altered, removed, renumbered or slipped in
by SQL no longer matches its link.

The chain is a persistence concern: the application recorders below write the links
whenever they store events, whoever asks them to, so the application stays plain
eventsourcing. In a database the links live in a table beside the events
(`certification_events_chain`), inserted in the very transaction that inserts the events:
neither commits without the other. In memory (POPO) they live beside the stored events,
updated under the recorder's own lock. The infrastructure factories that choose these
recorders are in `service/storage/event_store.py`.
"""

from __future__ import annotations

import hashlib
import logging
import struct
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from cachetools import LRUCache
from eventsourcing.application import Application
from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder
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

from service.telemetry.metrics import EVENT_APPEND_LATENCY, EVENTS_APPENDED

log = logging.getLogger(__name__)

GENESIS = bytes(32)  # what the first event of every aggregate is chained to
REMEMBERED_AGGREGATES = 10_000
PENDING_LINKS = "score_audit_pending_links"  # key in the session's info: links not yet committed
_NUMBER = struct.Struct(">Q")

Key = tuple[UUID, int]  # (aggregate id, version)
StoredLink = Callable[[UUID, int], bytes | None]  # the stored hash of (aggregate, version)


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


class ChainLinks(Protocol):
    """What every chain answers, in a database or in memory."""

    def link_of(self, aggregate_id: UUID, version: int) -> Link | None: ...


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


def chain_links(notifications: Sequence[Notification], stored: StoredLink) -> list[Link]:
    """The links of events about to be stored: each chained to its aggregate's previous
    event, found among these events first (they arrive in version order), else as stored."""
    known: dict[Key, bytes] = {}
    links = []
    for event in notifications:
        key = (_uuid(event.originator_id), event.originator_version)
        digest = link_hash(_previous(key, known, stored), event)
        known[key] = digest
        links.append(Link(key[0], key[1], event.id, digest.hex()))
    return links


def _previous(key: Key, known: dict[Key, bytes], stored: StoredLink) -> bytes:
    aggregate_id, version = key
    if version == 1:
        return GENESIS
    found = known.get((aggregate_id, version - 1)) or stored(aggregate_id, version - 1)
    if found is None:
        # Never refuse a step for want of a link: the event was stored before the chain
        # existed (run `score audit seal`) or its link was removed; verify reports it.
        log.warning("no link for %s v%s: chaining the next to zero", aggregate_id, version - 1)
        return GENESIS
    return found


def as_notifications(
    stored_events: Sequence[StoredEvent], positions: Sequence[int]
) -> list[Notification]:
    return [
        Notification(
            id=position,
            originator_id=event.originator_id,
            originator_version=event.originator_version,
            topic=event.topic,
            state=event.state,
        )
        for event, position in zip(stored_events, positions, strict=True)
    ]


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
        self._last: LRUCache[UUID, tuple[int, bytes]] = LRUCache(max_size)
        self._lock = threading.Lock()  # cachetools' caches are not thread-safe

    def get(self, aggregate_id: UUID, version: int) -> bytes | None:
        with self._lock:
            found = self._last.get(aggregate_id)
        return found[1] if found is not None and found[0] == version else None

    def remember(self, links: Sequence[Link]) -> None:
        with self._lock:
            for link in links:
                self._last[link.aggregate_id] = (link.version, bytes.fromhex(link.hash))


class EventChain:
    """The links table of an eventsourcing-sqlalchemy recorder's events table: written
    inside the recorder's insert transaction, read by verify, seal and the history."""

    def __init__(
        self, recorder: SQLAlchemyApplicationRecorder, remember: int = REMEMBERED_AGGREGATES
    ) -> None:
        self.events: Table = recorder.events_record_cls.__table__
        engine = recorder.datastore.engine
        if not isinstance(engine, Engine):
            raise TypeError(f"The hash chain needs an SQLAlchemy engine, not {engine!r}.")
        self.engine = engine
        self.table = chain_table(self.events)
        c = self.table.c
        # Built once: SQLAlchemy then reuses the compiled statements on every save.
        self._insert = insert(self.table)
        self._find = select(c.position, c.hash).where(
            c.originator_id == bindparam("aggregate_id"),
            c.originator_version == bindparam("version"),
        )
        self._committed = CommittedLinks(remember)
        sessions = recorder.datastore.session_maker
        if sessions is not None:  # None only with a scoped session: then links are read back
            sqlalchemy_events.listen(sessions, "after_commit", self._after_commit)
            sqlalchemy_events.listen(sessions, "after_rollback", self._after_rollback)

    def create_table(self) -> None:
        # Only for a store that makes its own tables (CREATE_TABLE on); the service's are
        # made by the migrations.
        self.table.create(self.engine, checkfirst=True)

    def link(self, session: Session, notifications: Sequence[Notification]) -> list[Link]:
        """Insert the links of just-inserted (not yet committed) events, in `session`."""
        if not notifications:
            return []
        conn = session.connection()

        def stored(aggregate_id: UUID, version: int) -> bytes | None:
            remembered = self._committed.get(aggregate_id, version)
            return (
                remembered if remembered is not None else self._stored(conn, aggregate_id, version)
            )

        links = chain_links(notifications, stored)
        conn.execute(self._insert, [link.as_row() for link in links])
        session.info.setdefault(PENDING_LINKS, []).extend(links)
        return links

    def link_of(self, aggregate_id: UUID, version: int) -> Link | None:
        with self.engine.connect() as conn:
            row = conn.execute(self._find, {"aggregate_id": aggregate_id, "version": version})
            found = row.one_or_none()
        return None if found is None else Link(aggregate_id, version, found.position, found.hash)

    def _stored(self, conn: Connection, aggregate_id: UUID, version: int) -> bytes | None:
        row = conn.execute(self._find, {"aggregate_id": aggregate_id, "version": version})
        found = row.one_or_none()
        return None if found is None else bytes.fromhex(found.hash)

    def _after_commit(self, session: Session) -> None:
        self._committed.remember(session.info.pop(PENDING_LINKS, ()))

    def _after_rollback(self, session: Session) -> None:
        session.info.pop(PENDING_LINKS, None)  # never remember a link that was not stored


class ChainedSQLAlchemyApplicationRecorder(SQLAlchemyApplicationRecorder):
    """eventsourcing-sqlalchemy's recorder, linking the events it inserts in their own
    transaction (the insert has flushed, so their positions are known; nothing is committed)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chain = EventChain(self)

    def create_table(self) -> None:
        super().create_table()
        self.chain.create_table()

    def _insert_stored_events(
        self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        positions = super()._insert_stored_events(session, stored_events, **kwargs)
        self.chain.link(session, as_notifications(stored_events, positions))
        return positions

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """The library's append (one transaction, links included), timed for the metrics."""
        started = time.perf_counter()
        positions = super().insert_events(stored_events, **kwargs)
        EVENT_APPEND_LATENCY.observe(time.perf_counter() - started)
        EVENTS_APPENDED.inc(len(stored_events))
        return positions


class MemoryChain:
    """The links of an in-memory store, kept beside its events."""

    def __init__(self) -> None:
        self._links: dict[Key, Link] = {}

    def links_for(self, notifications: Sequence[Notification]) -> list[Link]:
        return chain_links(notifications, self._stored)

    def keep(self, links: Sequence[Link]) -> None:
        self._links.update(((link.aggregate_id, link.version), link) for link in links)

    def link_of(self, aggregate_id: UUID, version: int) -> Link | None:
        return self._links.get((aggregate_id, version))

    def _stored(self, aggregate_id: UUID, version: int) -> bytes | None:
        link = self._links.get((aggregate_id, version))
        return None if link is None else bytes.fromhex(link.hash)


class ChainedPOPOApplicationRecorder(POPOApplicationRecorder):
    """eventsourcing's in-memory recorder, linking the events it stores.

    `_update_table` runs under the recorder's lock after the uniqueness checks; the links are
    computed before any event is appended, so a failure leaves neither events nor links.
    """

    def __init__(self) -> None:
        super().__init__()
        self.chain = MemoryChain()

    def _update_table(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        first = len(self._stored_events) + 1  # positions the store is about to give
        positions = range(first, first + len(stored_events))
        links = self.chain.links_for(as_notifications(stored_events, positions))
        stored = super()._update_table(stored_events, **kwargs)
        self.chain.keep(links)
        return stored


def links_of(app: Application[Any]) -> ChainLinks:
    """The hash chain kept by the application's recorder, in a database or in memory."""
    chain = getattr(app.recorder, "chain", None)
    if not isinstance(chain, EventChain | MemoryChain):
        raise TypeError(
            f"{type(app.recorder).__name__} keeps no hash chain: name a chaining factory in "
            "PERSISTENCE_MODULE (service.storage.event_store)."
        )
    return chain


def chain_of(app: Application[Any]) -> EventChain:
    """The hash chain of an application whose events are in a database (verify, seal, the
    history and exports read it with SQL)."""
    chain = links_of(app)
    if not isinstance(chain, EventChain):
        raise TypeError("The audit reads a database; this application's events are in memory.")
    return chain


def _uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
