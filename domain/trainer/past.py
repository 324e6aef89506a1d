"""Past records the programme office brings in from before the service: certificates with
their original dates and numbers, and training records. Pure rules over the trainer's state.

An imported fact happened at its own date (the event's timestamp) and is recorded now (the
event's `recorded_at`). A trainer's facts go in date order: one dated before what the
trainer's record already holds would rewrite that history, and is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from domain import policy
from domain.errors import (
    AlreadyExists,
    FoundationCertificateRequired,
    InvalidInput,
    StandingRuleViolated,
    StepOutOfOrder,
)
from domain.policy import Action
from domain.text import IDENTIFIER, clean_field
from domain.trainer.state import Listing, TrainerState
from domain.values import Actor, Module

# Midday UTC: the same calendar day from UTC-12 to UTC+12, so a date reads back as itself.
HAPPENED_AT = time(12, 0)
MAX_CERTIFICATE_NUMBER = 32  # the read models' column


@dataclass(frozen=True)
class PastCertificate:
    module: Module
    certified_on: date
    certificate_number: str  # the original number; only the first (foundation) certificate has one


def happened_at(day: date) -> datetime:
    """The moment an imported fact of `day` is dated at."""
    return datetime.combine(day, HAPPENED_AT, UTC)


def clean_certificate_number(number: str) -> str:
    cleaned = clean_field("certificate_number", number, IDENTIFIER).upper() if number else ""
    if len(cleaned) > MAX_CERTIFICATE_NUMBER:
        raise InvalidInput(
            f"certificate_number: {cleaned[:40]}… is longer than {MAX_CERTIFICATE_NUMBER} "
            "characters."
        )
    return cleaned


def check_import(actor: Actor, last_recorded: datetime, happened: datetime, now: datetime) -> None:
    """Who may import, and that the fact neither lies ahead nor rewrites the trainer's past."""
    policy.require(actor, Action.IMPORT_PAST_RECORDS)
    if happened.date() > now.date():
        raise InvalidInput(f"The date {happened.date()} is in the future.")
    if happened < last_recorded:
        raise StepOutOfOrder(
            f"The trainer's record already reaches {last_recorded.date()}; past facts are "
            f"imported in date order, so one of {happened.date()} would come too late. Import "
            "the trainer with their original registration date, and older facts first."
        )


def check_past_certificate(state: TrainerState, past: PastCertificate) -> None:
    if state.holds(past.module):
        raise AlreadyExists(f"{state.name} is already certified in {past.module.value}.")
    if state.standing is not None and state.standing.listing is Listing.REMOVED:
        raise StandingRuleViolated(
            f"{state.name} was removed from the list for cause; reinstate them first."
        )
    number = clean_certificate_number(past.certificate_number)
    if not state.is_certified:
        if not past.module.is_foundation:
            raise FoundationCertificateRequired(
                f"{state.name}'s first certificate must be in a foundation module (WC or "
                f"BASICS), not {past.module.value}; import that one first."
            )
        if not number:
            raise InvalidInput(
                "certificate_number: the certificate of competence needs its original number."
            )
    elif number and number != state.certificate_number:
        raise InvalidInput(
            f"certificate_number: {state.name} holds certificate {state.certificate_number}; "
            f"a later module ({past.module.value}) adds to it. Leave the number empty."
        )
