"""Trainer read models: the private trainer record, the public list, and the standing facts
(training records, activity reminders, listing changes)."""

from __future__ import annotations

from sqlalchemy import update

from domain.personal import ERASED
from domain.trainer import rules
from domain.trainer.aggregate import Trainer
from domain.trainer.state import Listing, TrainerState
from domain.trainer.steps import REMOVAL_GROUNDS
from projections.states import Tracked
from projections.tables import ReadModelTables
from projections.writes import Changes, Row

MODULE_SEPARATOR = ","


def trainer_row(tracked: Tracked[TrainerState]) -> Row:
    state, standing = tracked.state, tracked.state.standing
    return {
        "trainer_id": state.trainer_id,
        "name": state.name,
        "email": state.email,
        "country": state.country,
        "is_expert": state.is_expert,
        "registered_at": tracked.created_on,
        "certificate_number": state.certificate_number,
        "certified_at": state.certified_at,
        "modules": joined_modules(state),
        "listing": standing.listing.value if standing else None,
        "listed_since": standing.listed_since if standing else None,
        "clock_started_at": standing.clock_started_at if standing else None,
        "last_training_record_at": standing.last_training_record_at if standing else None,
        "inactive_from": rules.inactive_from(standing) if state.listed and standing else None,
        "delisting_reason": standing.delisting_reason if standing else None,
        "version": tracked.version,
        "merged_into": state.merged_into,
    }


def joined_modules(state: TrainerState) -> str:
    """The certified modules in the order they were certified, as one column."""
    return MODULE_SEPARATOR.join(m.value for m in state.certified_modules)


def put_public_listing(state: TrainerState, t: ReadModelTables, changes: Changes) -> None:
    """A listed trainer appears with public facts only; a delisted one disappears."""
    if state.certificate_number is None:
        return
    if not state.listed or state.standing is None:
        changes.remove(t.public_trainers, (state.certificate_number,))
        return
    changes.put(
        t.public_trainers,
        {
            "certificate_number": state.certificate_number,
            "name": state.name,
            "country": state.country,
            "modules": joined_modules(state),
            "listed_since": state.standing.listed_since,
        },
    )


def record_trainer_facts(
    event: Trainer.Event, state: TrainerState, t: ReadModelTables, changes: Changes
) -> None:
    match event:
        case Trainer.TrainingRecordSubmitted():
            changes.put(
                t.training_records,
                {
                    "trainer_id": state.trainer_id,
                    "event_version": event.originator_version,
                    "delivered_on": event.delivered_on,
                    "module": event.module,
                    "enterprises": event.enterprises,
                    "participants": event.participants,
                    "recorded_at": event.timestamp,
                },
            )
        case Trainer.ActivityReminderSent():
            changes.put(
                t.activity_reminders,
                {
                    "trainer_id": state.trainer_id,
                    "clock_started_at": event.clock_started_at,
                    "months": event.months,
                    "sent_at": event.timestamp,
                },
            )
        case Trainer.MaterialsOpened():
            changes.put(
                t.material_downloads,
                {
                    "trainer_id": state.trainer_id,
                    "event_version": event.originator_version,
                    "module": event.module,
                    "material": event.material,
                    "opened_at": event.timestamp,
                },
            )
        case (
            Trainer.CertificateIssued()
            | Trainer.Reinstated()
            | Trainer.DelistedForInactivity()
            | Trainer.RemovedForCause()
        ):
            _put_listing_change(event, state, t, changes)
        case Trainer.PersonalDataErased():
            if state.standing is not None:
                _put_listing_change(event, state, t, changes)
            _scrub_listing_reasons(state.trainer_id, t, changes)


def _scrub_listing_reasons(trainer_id: str, t: ReadModelTables, changes: Changes) -> None:
    """The words about the person in rows written before the erasure — the office's about
    removals and reinstatements, the reasons their journeys were withdrawn — become what a
    rebuild writes (their events now read "[erased]"): "<ground>: [erased]", "[erased]"."""
    rows = t.listing_changes
    own = update(rows).where(rows.c.trainer_id == trainer_id)
    for ground in REMOVAL_GROUNDS:
        removed = (rows.c.listing == Listing.REMOVED.value) & rows.c.reason.startswith(
            f"{ground}: ", autoescape=True
        )
        changes.scrub(own.where(removed).values(reason=f"{ground}: {ERASED}"))
    reinstated = (rows.c.listing == Listing.LISTED.value) & rows.c.reason.is_not(None)
    changes.scrub(own.where(reinstated).values(reason=ERASED))
    journeys = t.journeys
    withdrawn = (journeys.c.trainer_id == trainer_id) & journeys.c.withdrawal_reason.is_not(None)
    changes.scrub(update(journeys).where(withdrawn).values(withdrawal_reason=ERASED))


def _put_listing_change(
    event: Trainer.Event, state: TrainerState, t: ReadModelTables, changes: Changes
) -> None:
    assert state.standing is not None, "a listing changed before the trainer was certified"
    # Delisting reasons live in the standing; a reinstatement's reason only in its event.
    reason = event.reason if isinstance(event, Trainer.Reinstated) else None
    changes.put(
        t.listing_changes,
        {
            "trainer_id": state.trainer_id,
            "event_version": event.originator_version,
            "listing": state.standing.listing.value,
            "changed_at": event.timestamp,
            "reason": reason or state.standing.delisting_reason,
        },
    )
