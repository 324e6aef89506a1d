"""A trainer, the public list and a certificate as they stood at a past moment.

The rule is the one `projections.rebuild.as_of` follows (docs/projections.md): an event counts
by its timestamp, when the step happened; each aggregate contributes its events up to its
first one after the moment, so no state is built on a gap; a date means the end of that day.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from cachetools import LRUCache

from domain.errors import StepNotAllowed
from domain.journey.state import JourneyState
from domain.trainer.state import INACTIVE_AFTER_MONTHS, TrainerState
from projections.projector import Projector
from projections.rebuild import StoodAt, end_of_day
from projections.store import ReadModels, scratch_read_models
from service.app.audit.history import HistoryEntry, entries, trainer_aggregates
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
PAST_MOMENTS_KEPT = 4
PAST_BATCH_SIZE = 5000


@dataclass(frozen=True)
class JourneyAsOf:
    state: JourneyState
    steps: tuple[HistoryEntry, ...]  # every event of the journey up to the moment


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


def trainer_as_of(app: Certification, trainer_id: str, moment: datetime | date) -> TrainerAsOf:
    """The trainer's record, journeys, certified modules and listing as they stood."""
    moment = end_of_day(moment)
    trainer, *_ = trainer_aggregates(app, trainer_id)  # NotFound if there is no such trainer
    events = stood_at(list(entries(app, [trainer])), moment)
    if not events:
        return TrainerAsOf(
            str(trainer), moment, None, "not_registered", "not registered yet", None, (), ()
        )
    state = app.trainer(trainer, version=events[-1].version)
    opened = [UUID(e.payload["journey_id"]) for e in events if e.type == "Trainer.JourneyOpened"]
    decided_by = next((e for e in reversed(events) if e.type in LISTING_EVENTS), None)
    return TrainerAsOf(
        trainer_id=str(trainer),
        moment=moment,
        state=state,
        listing=_listing(state),
        why=_why(decided_by),
        decided_by=decided_by,
        certifications=tuple(e for e in events if e.type in CERTIFYING_EVENTS),
        journeys=tuple(j for j in (_journey_as_of(app, jid, moment) for jid in opened) if j),
    )


def _journey_as_of(app: Certification, journey_id: UUID, moment: datetime) -> JourneyAsOf | None:
    steps = stood_at(list(entries(app, [journey_id])), moment)
    if not steps:
        return None  # opened on the trainer, but the journey's own first event came later
    return JourneyAsOf(app.journey(journey_id, version=steps[-1].version), tuple(steps))


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
