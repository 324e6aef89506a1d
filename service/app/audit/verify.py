"""Recompute every aggregate's hash chain from the stored events and report the first break.

Two streamed passes, in constant memory whatever the size of the store:

1. events and links, both in (aggregate, version) order, merged like a sorted join: each
   aggregate's chain is recomputed from its stored events and compared with its links;
2. the links in position order, hashed into one digest of the whole store up to a position:
   the anchor that an auditor keeps outside the database and hands back later.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.engine import Row

from service.app.audit.rows import Key, as_notification, paired, streamed
from service.storage.chain import GENESIS, EventChain, link_hash

ProblemKind = Literal["altered", "missing", "unchained", "reordered"]


@dataclass(frozen=True)
class ChainProblem:
    """The first thing wrong in one aggregate's chain."""

    aggregate_id: str
    version: int
    position: int | None  # where the event is (or was) in the store
    kind: ProblemKind
    detail: str


@dataclass(frozen=True)
class Anchor:
    """A store digest kept outside the database: the links up to `position`, hashed in order."""

    position: int
    digest: str

    @classmethod
    def parse(cls, text: str) -> Anchor:
        """`<position>:<hex digest>`, as `score audit verify` prints it."""
        position, _, digest = text.partition(":")
        if not position.isdigit() or len(digest) != 64:
            raise ValueError(f"An anchor looks like 1234:<64 hex digits>, not {text!r}.")
        return cls(int(position), digest.lower())


@dataclass(frozen=True)
class AnchorCheck:
    anchor: Anchor
    recomputed: str | None  # None: the store no longer reaches the anchor's position
    holds: bool  # a field, not a property, so that every answer (JSON too) states it

    @classmethod
    def of(cls, anchor: Anchor, recomputed: str | None) -> AnchorCheck:
        return cls(anchor, recomputed, recomputed == anchor.digest)


@dataclass(frozen=True)
class VerifyReport:
    position: int  # every event up to this notification id was checked
    events_checked: int
    chains_checked: int
    problems: tuple[ChainProblem, ...]  # at most one per aggregate: the first
    digest: Anchor  # the store digest at `position`, to keep as an anchor
    anchor_check: AnchorCheck | None
    # The verdict, stated in every answer: no problem found, and the anchor (if given) holds.
    intact: bool


def verify_chains(chain: EventChain, anchor: Anchor | None = None) -> VerifyReport:
    """Check every event stored up to now against its link, and the store against `anchor`."""
    position = _last_position(chain)
    walk = _ChainWalk()
    for key, event, link in paired(chain, position):
        walk.step(key, event, link)
    digest, anchor_check = _store_digest(chain, position, anchor)
    anchored = anchor_check is None or anchor_check.holds
    return VerifyReport(
        position,
        walk.events,
        walk.chains,
        tuple(sorted(walk.problems, key=lambda p: p.position or 0)),
        digest,
        anchor_check,
        intact=not walk.problems and anchored,
    )


class _ChainWalk:
    """Follows the merged rows of one aggregate after another, keeping its first problem."""

    def __init__(self) -> None:
        self.events = 0
        self.chains = 0
        self.problems: list[ChainProblem] = []
        self._aggregate: UUID | None = None
        self._expected = 1
        self._previous = GENESIS
        self._broken = False

    def step(self, key: Key, event: Row[Any] | None, link: Row[Any] | None) -> None:
        aggregate, version = key
        if aggregate != self._aggregate:
            self._aggregate, self._expected, self._previous, self._broken = (
                aggregate,
                1,
                GENESIS,
                False,
            )
            self.chains += 1
        self.events += event is not None
        if self._broken:
            return  # only the first problem of a chain is reported: the rest follow from it
        problem = self._problem(aggregate, version, event, link)
        if problem is not None:
            self.problems.append(problem)
            self._broken = True

    def _problem(
        self, aggregate: UUID, version: int, event: Row[Any] | None, link: Row[Any] | None
    ) -> ChainProblem | None:
        def problem(kind: ProblemKind, position: int | None, detail: str) -> ChainProblem:
            return ChainProblem(str(aggregate), version, position, kind, detail)

        if version != self._expected:
            return ChainProblem(
                str(aggregate),
                self._expected,
                None,
                "missing",
                f"version {self._expected} is gone: neither the event nor its link is stored",
            )
        if event is None:
            assert link is not None
            return problem("missing", link.position, "the event was removed; its link remains")
        if link is None:
            return problem(
                "unchained",
                event.id,
                "the event has no link: it was not saved by the application",
            )
        if event.id != link.position:
            return problem(
                "reordered",
                event.id,
                f"the event was saved at position {link.position}, not {event.id}",
            )
        recomputed = link_hash(self._previous, as_notification(event))
        if recomputed.hex() != link.hash:
            return problem("altered", event.id, "the stored event does not match its link")
        self._previous, self._expected = recomputed, version + 1
        return None


def _store_digest(
    chain: EventChain, position: int, anchor: Anchor | None
) -> tuple[Anchor, AnchorCheck | None]:
    """The digest of every link up to `position`, and of those up to the anchor's, if given."""
    c = chain.table.c
    query = (
        select(c.position, c.hash)
        .where(c.position <= position)
        .order_by(c.position, c.originator_id, c.originator_version)
    )
    digest = hashlib.sha256()
    at_anchor: str | None = None
    for row in streamed(chain.engine, query):
        if anchor is not None and at_anchor is None and row.position > anchor.position:
            at_anchor = digest.hexdigest()
        digest.update(bytes.fromhex(row.hash))
    if anchor is not None and at_anchor is None and anchor.position <= position:
        at_anchor = digest.hexdigest()  # nothing was stored after the anchor
    check = None if anchor is None else AnchorCheck.of(anchor, at_anchor)
    return Anchor(position, digest.hexdigest()), check


def _last_position(chain: EventChain) -> int:
    """The last position of an event or a link: a removed last event leaves its link behind."""
    with chain.engine.connect() as conn:
        event = conn.execute(select(func.max(chain.events.c.id))).scalar()
        link = conn.execute(select(func.max(chain.table.c.position))).scalar()
    return max(int(event or 0), int(link or 0))
