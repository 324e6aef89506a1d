"""The trainer's rules, pure: enrolment prerequisites, certification, standing, materials."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from domain import ids, policy
from domain.calendar import add_months, earliest_local_date, latest_local_date
from domain.errors import (
    FoundationCertificateRequired,
    InvalidInput,
    JourneyAlreadyOpen,
    MaterialsAccessDenied,
    StandingRuleViolated,
)
from domain.policy import About, Action
from domain.text import (
    COUNTRY,
    EMAIL,
    FREE_TEXT,
    IDENTIFIER,
    PERSON_NAME,
    REASON,
    clean_field,
)
from domain.trainer.state import INACTIVE_AFTER_MONTHS, Listing, Standing, TrainerState
from domain.trainer.steps import (
    REMOVAL_GROUNDS,
    Reinstate,
    RemoveForCause,
    StandingStep,
    SubmitTrainingRecord,
)
from domain.values import Actor, Module

# Far above any real training, far below what a read model's integer column holds.
MAX_RECORD_ENTERPRISES = 1_000
MAX_RECORD_PARTICIPANTS = 100_000

# ---------------------------------------------------------------------------------------------
# Registration


@dataclass(frozen=True)
class Registration:
    """Who a trainer is, as the register records them."""

    name: str
    email: str
    country: str


def clean_registration(name: str, email: str, country: str) -> Registration:
    """The details cleaned (domain/text.py), the e-mail in lower case; InvalidInput naming
    the field otherwise. The trainer's id comes from the cleaned e-mail."""
    registration = Registration(
        clean_field("name", name, PERSON_NAME),
        clean_field("email", email, EMAIL).lower(),
        clean_field("country", country, COUNTRY),
    )
    mailbox, _, host = registration.email.partition("@")
    if not mailbox or not host:
        raise InvalidInput(
            f"email: {registration.email} is no e-mail address; e.g. asha@example.org."
        )
    return registration


# ---------------------------------------------------------------------------------------------
# Journeys and certification


def check_can_open_journey(state: TrainerState, module: Module) -> None:
    if not module.is_foundation and not state.holds_foundation:
        raise FoundationCertificateRequired(
            f"{module.value} is not a foundation module: the candidate must first be certified "
            "in Workplace Cooperation (WC) or SCORE Basics (BASICS)."
        )
    if module.value in state.open_journeys:
        raise JourneyAlreadyOpen(
            f"{state.name} already has an open {module.value} journey "
            f"({state.open_journeys[module.value]}); finish or withdraw it first."
        )
    if state.holds(module):
        raise JourneyAlreadyOpen(f"{state.name} is already certified in {module.value}.")


def next_journey_id(state: TrainerState, module: Module) -> str:
    """The id the trainer's next journey in this module will have. Deterministic, so the
    journey's workflow is named after it before it is opened; two enrolments that race
    name the same journey, and the domain lets only one of them open it."""
    started = state.journeys_started.get(module.value, 0)
    return str(ids.journey_id(state.trainer_id, module, started + 1))


def needs_certificate(state: TrainerState, module: Module) -> bool:
    """The first foundation certification issues the certificate of competence."""
    return module.is_foundation and not state.is_certified


def evolve_certified(
    state: TrainerState, module: Module, certificate_number: str | None, at: datetime
) -> TrainerState:
    modules = (*state.certified_modules, module)
    if certificate_number is None:
        return replace(state, certified_modules=modules)
    standing = Standing(clock_started_at=at, listed_since=at)
    return replace(
        state,
        certified_modules=modules,
        certificate_number=certificate_number,
        certified_at=at,
        standing=standing,
    )


# ---------------------------------------------------------------------------------------------
# Standing: training records, removal for cause, reinstatement


def check_standing_step(
    state: TrainerState, step: StandingStep, actor: Actor, now: datetime
) -> None:
    _check_standing_actor(state, step, actor)
    step = clean_standing_step(step)
    standing = _standing(state)
    match step:
        case SubmitTrainingRecord():
            _check_training_record(state, standing, step, now)
        case RemoveForCause():
            if step.ground not in REMOVAL_GROUNDS:
                raise InvalidInput(
                    f"Removal for cause is for {' or '.join(REMOVAL_GROUNDS)}, not {step.ground!r}."
                )
            if standing.listing is Listing.REMOVED:
                raise StandingRuleViolated(f"{state.name} has already been removed for cause.")
        case Reinstate():
            if standing.listing is Listing.LISTED:
                raise StandingRuleViolated(
                    f"{state.name} is listed; there is nothing to reinstate."
                )


def clean_standing_step(step: StandingStep) -> StandingStep:
    """The step with the text a person typed cleaned (domain/text.py); InvalidInput naming
    the field otherwise. A removal and a reinstatement need a reason: it is kept on record."""
    match step:
        case SubmitTrainingRecord():
            module = clean_field("module", step.module, IDENTIFIER)
            description = clean_field("description", step.description, FREE_TEXT)
            return replace(step, module=module, description=description)
        case RemoveForCause() | Reinstate():
            return replace(step, reason=clean_field("reason", step.reason, REASON))


def _check_standing_actor(state: TrainerState, step: StandingStep, actor: Actor) -> None:
    policy.require(actor, Action(step.kind), About(trainer_id=state.trainer_id))


def _standing(state: TrainerState) -> Standing:
    if state.standing is None:
        raise StandingRuleViolated(
            f"{state.name} is not a certified SCORE trainer yet; standing starts with the "
            "certificate of competence."
        )
    return state.standing


def _check_training_record(
    state: TrainerState, standing: Standing, step: SubmitTrainingRecord, now: datetime
) -> None:
    if standing.listing is Listing.REMOVED:
        raise StandingRuleViolated(
            f"{state.name} was removed from the list for cause; the programme office must "
            "reinstate them before new training records are accepted."
        )
    if step.module not in {m.value for m in state.certified_modules}:
        raise StandingRuleViolated(
            f"{state.name} is not certified in {step.module}; training records count only for "
            "modules the trainer holds."
        )
    if step.delivered_on > latest_local_date(now):
        raise InvalidInput(f"The training cannot be delivered in the future ({step.delivered_on}).")
    year_before = earliest_local_date(add_months(now, -INACTIVE_AFTER_MONTHS))
    if step.delivered_on < year_before:
        # Else records of old trainings, sent one a year, would keep a trainer listed who
        # has not trained anyone for years: a record counts for a training of the last year.
        raise StandingRuleViolated(
            f"A training delivered on {step.delivered_on} is more than {INACTIVE_AFTER_MONTHS} "
            f"months ago; records count for trainings delivered since {year_before}."
        )
    counted_from = standing.last_delivered_on or (state.certified_at or now).date()
    if step.delivered_on < counted_from or step.delivered_on == standing.last_delivered_on:
        raise StandingRuleViolated(
            f"A training delivered on {step.delivered_on} does not count: records count for "
            f"trainings delivered after {counted_from} (the certificate or the last record)."
        )
    if step.enterprises < 1 or step.participants < 1:
        raise InvalidInput("A training record needs at least one enterprise and one participant.")
    if step.enterprises > MAX_RECORD_ENTERPRISES or step.participants > MAX_RECORD_PARTICIPANTS:
        raise InvalidInput(
            f"{step.enterprises} enterprises and {step.participants} participants in one "
            f"training look like a typing error; a record counts at most "
            f"{MAX_RECORD_ENTERPRISES:,} enterprises and {MAX_RECORD_PARTICIPANTS:,} participants."
        )


def evolve_standing(state: TrainerState, step: StandingStep, at: datetime) -> TrainerState:
    standing = _standing(state)
    match step:
        case SubmitTrainingRecord():
            standing = replace(
                standing,
                clock_started_at=at,
                last_training_record_at=at,
                last_delivered_on=step.delivered_on,
                reminders_sent=(),
            )
        case RemoveForCause():
            reason = f"{step.ground}: {step.reason.strip()}"
            standing = replace(standing, listing=Listing.REMOVED, delisting_reason=reason)
        case Reinstate():
            standing = replace(
                standing,
                listing=Listing.LISTED,
                listed_since=at,
                clock_started_at=at,
                reminders_sent=(),
                delisting_reason=None,
            )
    return replace(state, standing=standing)


# ---------------------------------------------------------------------------------------------
# The yearly clock: reminders and inactivity


def check_activity_reminder(state: TrainerState, months: int, now: datetime) -> None:
    standing = _listed(state, "reminded")
    if not 0 < months < INACTIVE_AFTER_MONTHS:
        raise InvalidInput(f"A reminder threshold must be 1–11 months, got {months}.")
    if months in standing.reminders_sent:
        raise StandingRuleViolated(f"The {months}-month reminder was already sent on this clock.")
    if now < add_months(standing.clock_started_at, months):
        raise StandingRuleViolated(f"{months} months have not passed since the clock restarted.")


def evolve_reminded(state: TrainerState, months: int) -> TrainerState:
    standing = _standing(state)
    return replace(
        state, standing=replace(standing, reminders_sent=(*standing.reminders_sent, months))
    )


def inactive_from(standing: Standing) -> datetime:
    return add_months(standing.clock_started_at, INACTIVE_AFTER_MONTHS)


def check_mark_inactive(state: TrainerState, now: datetime) -> None:
    standing = _listed(state, "marked inactive")
    if now < inactive_from(standing):
        raise StandingRuleViolated(
            f"{state.name} is active until {inactive_from(standing):%Y-%m-%d} "
            "(12 months after the last training record)."
        )


def evolve_inactive(state: TrainerState) -> TrainerState:
    reason = "inactive: no training record for 12 months"
    standing = replace(_standing(state), listing=Listing.INACTIVE, delisting_reason=reason)
    return replace(state, standing=standing)


def _listed(state: TrainerState, what: str) -> Standing:
    standing = _standing(state)
    if standing.listing is not Listing.LISTED:
        raise StandingRuleViolated(
            f"{state.name} is not listed ({standing.listing.value}); "
            f"only listed trainers are {what}."
        )
    return standing


# ---------------------------------------------------------------------------------------------
# Training materials


def check_materials_access(state: TrainerState, module: Module, actor: Actor) -> None:
    policy.require(actor, Action.OPEN_MATERIALS, About(trainer_id=state.trainer_id))
    if not state.listed:
        raise MaterialsAccessDenied(
            f"{state.name} is not on the list of certified trainers; only listed trainers may "
            "open the training materials."
        )
    if not state.holds(module):
        raise MaterialsAccessDenied(
            f"{state.name} is not certified in {module.value}; materials open only for the "
            "modules a trainer holds."
        )
