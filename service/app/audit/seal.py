"""Chain the events stored before the hash chain existed (a one-off, with writers stopped).

Sealing vouches for events as they are now: it gives links to every aggregate that has no
link at all, and leaves alone any aggregate that has some (verify reports those). Run it
once, when upgrading a store that predates the chain, before the service starts writing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.engine import Row

from service.app.audit.rows import as_notification, paired
from service.storage.chain import GENESIS, EventChain, Link, link_hash

BATCH = 1000  # links inserted per transaction


@dataclass(frozen=True)
class SealReport:
    aggregates_sealed: int
    events_sealed: int
    aggregates_left: int  # partly chained already: not touched, verify says what is wrong


def seal_unchained(chain: EventChain) -> SealReport:
    position = _last_event(chain)
    sealer = _Sealer(chain)
    for (aggregate, _), event, link in paired(chain, position):
        sealer.take(aggregate, event, link)
    sealer.finish()
    return SealReport(sealer.sealed, sealer.events, len(sealer.partly_chained))


class _Sealer:
    def __init__(self, chain: EventChain) -> None:
        self._chain = chain
        self._aggregate: UUID | None = None
        self._links: list[Link] = []  # the current aggregate's, until we know it has none
        self._previous = GENESIS
        self._pending: list[Link] = []
        self.partly_chained: set[UUID] = set()
        self.sealed = 0
        self.events = 0

    def take(self, aggregate: UUID, event: Row[Any] | None, link: Row[Any] | None) -> None:
        if aggregate != self._aggregate:
            self._close_aggregate()
            self._aggregate, self._links, self._previous = aggregate, [], GENESIS
        if link is not None or event is None:
            self.partly_chained.add(aggregate)
            return
        stored = as_notification(event)
        self._previous = link_hash(self._previous, stored)
        version, digest = stored.originator_version, self._previous.hex()
        self._links.append(Link(aggregate, version, stored.id, digest))

    def finish(self) -> None:
        self._close_aggregate()
        self._flush()

    def _close_aggregate(self) -> None:
        if self._aggregate is None or self._aggregate in self.partly_chained:
            return
        self._pending += self._links
        self.sealed += 1
        self.events += len(self._links)
        if len(self._pending) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        with self._chain.engine.begin() as conn:
            conn.execute(self._chain.table.insert(), [link.as_row() for link in self._pending])
        self._pending = []


def _last_event(chain: EventChain) -> int:
    with chain.engine.connect() as conn:
        return int(conn.execute(select(func.max(chain.events.c.id))).scalar() or 0)
