"""A trainer, a journey, the public list and a certificate as they stood at a past moment.

The rule is the one `projections.rebuild.as_of` follows (docs/projections.md): an event counts
by its timestamp, when the step happened; each aggregate contributes its events up to its
first one after the moment, so no state is built on a gap; a date means the end of that day.

Two views of the past (docs/audit.md): **as recorded**, what the service knew at the moment
(a correction recorded later is ignored: the wrong date still shows), and **as in effect**,
what was true at the moment as far as the service knows now (every correction recorded since,
of a step taken by then, applied: the right date shows, a voided report is gone). Only
journey steps are corrected, so a trainer's record, listing and certificates are the same in
both; the public list and certificate checks on a date have one view.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from cachetools import LRUCache

from domain.errors import NotFound, StepNotAllowed
from domain.journey import rules
from domain.journey.aggregate import Journey
from domain.journey.state import JourneyState
from domain.trainer.state import INACTIVE_AFTER_MONTHS, TrainerState
from projections.projector import Projector
from projections.rebuild import StoodAt, end_of_day
from projections.store import ReadModels, scratch_read_models
from service.app.audit.history import HistoryEntry, entries, trainer_record
from service.app.certification import Certification

# The events that put a certified trainer on the list or took them off it.
LISTING_EVENTS = frozenset(
    {
        "Trainer.CertificateIssued",
        "Trainer.CertificateImported",
        "Trainer.DelistedForInactivity",
        "Trainer.RemovedForCause",
        "Trainer.Reinstated",
    }
)
CERTIFYING_EVENTS = frozenset(
    {
        "Trainer.CertificateIssued",
        "Trainer.ModuleCertified",
        "Trainer.CertificateImported",
        "Trainer.ModuleCertificationImported",
    }
)
CORRECTING_EVENTS = frozenset({"Journey.StepAmended", "Journey.StepVoided"})
PAST_MOMENTS_KEPT = 4


class View(StrEnum):
    """Which past an "as of" read tells (docs/audit.md)."""

    AS_RECORDED = "as-recorded"  # what the service knew at the moment
    AS_IN_EFFECT = "as-in-effect"  # what was true then, with every correction known now


PAST_BATCH_SIZE = 5000


@dataclass(frozen=True)
class JourneyAsOf:
    state: JourneyState
    steps: tuple[HistoryEntry, ...]  # every event of the journey up to the moment
    view: View = View.AS_RECORDED
    # As in effect: the corrections recorded after the moment that the state includes.
    corrections_since: tuple[HistoryEntry, ...] = ()


@dataclass(frozen=True)
class TrainerAsOf:
    trainer_id: str
    moment: datetime
    state: TrainerState | None  # None: not registered yet at the moment
    listing: str  # not_registered, not_certified, listed, inactive or removed
    why: str  # in words: what put the trainer in that listing, when, and who decided
    decided_by: HistoryEntry | None  # the event that did
    certifications: tuple[HistoryEntry, ...]  # CertificateIssued / ModuleCertified, in order
    journeys: tuple[JourneyAsOf, ...]
    view: View = View.AS_RECORDED


class DamagedRecord(StepNotAllowed):
    """The store holds an event that cannot be read, so no state can be built past it."""


def stood_at(history: Sequence[HistoryEntry], moment: datetime) -> list[HistoryEntry]:
    """An aggregate's events up to its first one after `moment`."""
    kept = []
    for entry in history:
        if entry.timestamp is None:
            raise DamagedRecord(
                f"The event at position {entry.position} ({entry.type}) cannot be read: it was "
                "probably altered in the database. Check the store with GET /audit/verify."
            )
        if entry.timestamp > moment:
            break
        kept.append(entry)
    return kept


def trainer_as_of(
    app: Certification, trainer_id: str, moment: datetime | date, view: View = View.AS_RECORDED
) -> TrainerAsOf:
    """The trainer's record, journeys, certified modules and listing as they stood.

    A merge counts as every step does, from its moment on: before it, each record is a person
    of its own; after it, the record named reads as the one it was merged into, with the
    journeys of every record merged into that one by then."""
    moment = end_of_day(moment)
    named = trainer_record(app, trainer_id)  # NotFound if there is none
    person, events = _person_as_of(app, named, moment)
    if not events:
        return TrainerAsOf(
            str(person), moment, None, "not_registered", "not registered yet", None, (), (), view
        )
    state = app.trainer(person, version=events[-1].version)
    opened: dict[UUID, None] = {}  # in order, once each: the person's, then each merged record's
    for record_events in _records_as_of(app, person, events, moment):
        opened.update(
            (UUID(e.payload["journey_id"]), None)
            for e in record_events
            if e.type == "Trainer.JourneyOpened"
        )
    decided_by = next((e for e in reversed(events) if e.type in LISTING_EVENTS), None)
    return TrainerAsOf(
        trainer_id=str(person),
        moment=moment,
        state=state,
        listing=_listing(state),
        why=_why(decided_by),
        decided_by=decided_by,
        certifications=tuple(e for e in events if e.type in CERTIFYING_EVENTS),
        journeys=tuple(j for j in (_journey_as_of(app, jid, moment, view) for jid in opened) if j),
        view=view,
    )


def journey_as_of(
    app: Certification, journey_id: str, moment: datetime | date, view: View = View.AS_RECORDED
) -> JourneyAsOf:
    """The journey as it stood at `moment` in the view asked for."""
    app.journey(journey_id)  # NotFound if there is no such journey
    found = _journey_as_of(app, UUID(journey_id), end_of_day(moment), view)
    if found is None:
        raise NotFound(f"Journey {journey_id} was not enrolled yet at {end_of_day(moment)}.")
    return found


def _person_as_of(
    app: Certification, named: UUID, moment: datetime
) -> tuple[UUID, list[HistoryEntry]]:
    """The record that stood for the person named at the moment (a merge after it does not
    count yet), with its events up to the moment."""
    record, seen = named, {named}
    while True:
        events = stood_at(list(entries(app, [record])), moment)
        merged = [e for e in events if e.type == "Trainer.MergedInto"]
        if not merged:
            return record, events
        record = UUID(merged[-1].payload["surviving_id"])
        if record in seen:  # the rules refuse a merge into a merged record; be safe
            raise NotFound(f"The records merged with {named} lead in a circle.")
        seen.add(record)


def _records_as_of(
    app: Certification, person: UUID, events: list[HistoryEntry], moment: datetime
) -> Iterator[list[HistoryEntry]]:
    """The person's events, then those of every record merged into it by the moment."""
    done, waiting = {person}, [events]
    while waiting:
        record_events = waiting.pop(0)
        yield record_events
        for e in record_events:
            merged = UUID(e.payload["merged_id"]) if e.type == "Trainer.Absorbed" else None
            if merged is not None and merged not in done:
                done.add(merged)
                waiting.append(stood_at(list(entries(app, [merged])), moment))


def _journey_as_of(
    app: Certification, journey_id: UUID, moment: datetime, view: View
) -> JourneyAsOf | None:
    history = list(entries(app, [journey_id]))
    steps = stood_at(history, moment)
    if not steps:
        return None  # opened on the trainer, but the journey's own first event came later
    state = app.journey(journey_id, version=steps[-1].version)
    if view is View.AS_RECORDED:
        return JourneyAsOf(state, tuple(steps), view)
    known = {entry.version for entry in steps}
    since = tuple(
        entry
        for entry in history[len(steps) :]
        if entry.type in CORRECTING_EVENTS and entry.payload["step_version"] in known
    )
    applied = {entry.version for entry in since}
    for event in app.events.get(journey_id, gt=steps[-1].version):
        if event.originator_version in applied and isinstance(event, Journey.StepTaken):
            state = rules.evolve(state, event.as_step(), event.timestamp)
    return JourneyAsOf(state, tuple(steps), view, since)


def _listing(state: TrainerState) -> str:
    return "not_certified" if state.standing is None else state.standing.listing.value


def _why(decided_by: HistoryEntry | None) -> str:
    if decided_by is None:
        return "no certificate of competence issued yet"
    p, when = decided_by.payload, f"{decided_by.timestamp:%Y-%m-%d %H:%M} UTC"
    who = f"by {decided_by.actor_id} ({decided_by.actor_role})"
    match decided_by.type:
        case "Trainer.CertificateIssued":
            return (
                f"listed since {when}: certificate of competence {p['certificate_number']} "
                f"issued for {p['module']} {who}"
            )
        case "Trainer.CertificateImported":
            return (
                f"listed since {when}: certificate of competence {p['certificate_number']} "
                f"for {p['module']}, from past records imported {who} on {p['recorded_at']}"
            )
        case "Trainer.Reinstated":
            return f"listed since {when}: reinstated {who}: {p['reason']}"
        case "Trainer.DelistedForInactivity":
            months = p.get("inactive_after_months", INACTIVE_AFTER_MONTHS)  # v3 on
            return (
                f"delisted on {when}: no training record for {months} months "
                f"(clock started {p['clock_started_at']}) {who}"
            )
        case _:
            return f"removed on {when} for cause ({p['ground']}) {who}: {p['reason']}"


@dataclass
class _Past:
    read_models: ReadModels
    projector: Projector
    lock: threading.Lock


class PastReadModels:
    """Read models as they stood at past moments, for the public list and certificate checks.

    Built the first time a moment is asked for (one pass over the store, like a rebuild),
    then kept for the few most recent moments and brought up to date with the events stored
    since: a step recorded later with an earlier timestamp still counts, as it would in a
    fresh `projections.rebuild.as_of`.
    """

    def __init__(self, app: Certification, keep: int = PAST_MOMENTS_KEPT) -> None:
        self._app = app
        # A reader may still hold an evicted one: its database goes when the last one lets go.
        self._pasts: LRUCache[datetime, _Past] = LRUCache(keep)
        self._lock = threading.Lock()  # cachetools' caches are not thread-safe

    @contextmanager
    def at(self, moment: datetime | date) -> Iterator[ReadModels]:
        """The read models at `moment`, caught up with the store, for the duration of a read."""
        past = self._past(end_of_day(moment))
        with past.lock:  # one in-memory database: one reader or writer at a time
            try:
                past.projector.catch_up()
            except Exception as error:  # an altered event stops the projection where it is
                raise DamagedRecord(
                    f"The read models as of {moment} cannot be built ({type(error).__name__}: "
                    f"{error}); check the store with GET /audit/verify."
                ) from error
            yield past.read_models

    def _past(self, moment: datetime) -> _Past:
        with self._lock:
            past = self._pasts.get(moment)
            if past is None:
                past = self._pasts[moment] = self._new(moment)
            return past

    def _new(self, moment: datetime) -> _Past:
        scratch = scratch_read_models()
        projector = Projector(
            self._app, scratch, batch_size=PAST_BATCH_SIZE, accept=StoodAt(moment)
        )
        return _Past(scratch, projector, threading.Lock())
