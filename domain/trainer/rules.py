"""The trainer's rules, pure: enrolment prerequisites, certification, standing, materials."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from domain import ids, policy
from domain.calendar import add_months, earliest_local_date, latest_local_date
from domain.countries import country_code, recorded_country
from domain.errors import (
    AlreadyExists,
    FoundationCertificateRequired,
    InvalidInput,
    JourneyAlreadyOpen,
    MaterialsAccessDenied,
    MergeRefused,
    StandingRuleViolated,
)
from domain.personal import ERASED, ERASURE_DELISTING_REASON
from domain.policy import About, Action
from domain.text import (
    EMAIL,
    FREE_TEXT,
    IDENTIFIER,
    PERSON_NAME,
    REASON,
    clean_field,
)
from domain.trainer.state import (
    DEFAULT_INACTIVITY,
    INACTIVE_AFTER_MONTHS,
    InactivityTerm,
    Listing,
    Standing,
    TrainerState,
)
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
    the field otherwise. The e-mail register is keyed by the cleaned e-mail."""
    return Registration(
        clean_field("name", name, PERSON_NAME),
        clean_email(email),
        country_code("country", country),
    )


def clean_email(email: str) -> str:
    """The address as the register keys it: cleaned, in lower case; InvalidInput otherwise."""
    cleaned = clean_field("email", email, EMAIL).lower()
    mailbox, _, host = cleaned.partition("@")
    if not mailbox or not host:
        raise InvalidInput(f"email: {cleaned} is no e-mail address; e.g. asha@example.org.")
    return cleaned


@dataclass(frozen=True)
class DetailsEdit:
    """What the office changes of a trainer's details: None leaves that detail as it is."""

    name: str | None = None
    email: str | None = None


def check_details_edit(state: TrainerState, edit: DetailsEdit, actor: Actor) -> DetailsEdit:
    """The edit cleaned, keeping only what changes; refused if it changes nothing.

    The country is not edited here: it names where the trainer works, which scopes offices.
    """
    policy.require(actor, Action.EDIT_TRAINER, About(trainer_id=state.trainer_id))
    check_not_erased(state)
    name = None if edit.name is None else clean_field("name", edit.name, PERSON_NAME)
    email = None if edit.email is None else clean_email(edit.email)
    changed = DetailsEdit(
        name=None if name == state.name else name,
        email=None if email == state.email else email,
    )
    if changed == DetailsEdit():
        raise InvalidInput(
            f"Nothing to change: {state.name} <{state.email}> already has these details; "
            "send the name or e-mail as it should be."
        )
    return changed


# ---------------------------------------------------------------------------------------------
# Two records of one person


def check_merge(survivor: TrainerState, merged: TrainerState, reason: str, actor: Actor) -> str:
    """Whether `merged` may become part of `survivor`; the reason, cleaned, if so.

    The surviving record keeps its id, certificate and standing; the merged one brings its
    open journeys. So the merged record may hold no certificate of its own, and the two may
    not both have a journey open in one module (one open journey per candidate and module).
    """
    policy.require(actor, Action.MERGE_TRAINERS)
    reason = clean_field("reason", reason, REASON)
    check_not_erased(survivor)
    check_not_erased(merged)
    if survivor.trainer_id == merged.trainer_id:
        raise MergeRefused("A record cannot be merged into itself; name two records.")
    for state in (survivor, merged):
        if state.merged_into is not None:
            raise MergeRefused(
                f"{state.name}'s record {state.trainer_id} was already merged into "
                f"{state.merged_into}; merge with that record instead."
            )
    if merged.is_certified:
        raise MergeRefused(
            f"{merged.name}'s record {merged.trainer_id} holds certificate "
            f"{merged.certificate_number}: merge the other record into it instead"
            + (", or settle which certificate stands first." if survivor.is_certified else ".")
        )
    both = sorted(set(survivor.open_journeys) & set(merged.open_journeys))
    if both:
        raise MergeRefused(
            f"Both records have an open {', '.join(both)} journey; withdraw one of them first "
            "(one open journey per candidate and module)."
        )
    return reason


def evolve_absorbed(
    state: TrainerState, merged_id: str, open_journeys: dict[str, str], is_expert: bool
) -> TrainerState:
    return replace(
        state,
        open_journeys={**state.open_journeys, **open_journeys},
        is_expert=state.is_expert or is_expert,
        merged_records=(*state.merged_records, merged_id),
    )


# ---------------------------------------------------------------------------------------------
# Journeys and certification


def check_erasure(state: TrainerState, reason: str, actor: Actor) -> str:
    """Whether the person's personal data may be erased; the reason, cleaned, if so."""
    policy.require(actor, Action.ERASE_PERSONAL_DATA)
    reason = clean_field("reason", reason, REASON)
    if state.erased:
        raise AlreadyExists(f"The personal data of trainer {state.trainer_id} are erased already.")
    return reason


def evolve_erased(state: TrainerState) -> TrainerState:
    """Name and e-mail unreadable; a listed trainer leaves the public list for good, so the
    credential is revoked (credentials.change_due), and no step is taken for them again."""
    standing = state.standing
    if standing is not None:
        standing = replace(
            standing, listing=Listing.REMOVED, delisting_reason=ERASURE_DELISTING_REASON
        )
    return replace(state, name=ERASED, email=ERASED, standing=standing, erased=True)


def check_not_erased(state: TrainerState) -> None:
    if state.erased:
        raise StandingRuleViolated(
            f"The personal data of trainer {state.trainer_id} were erased on request: "
            "nothing more is recorded for them."
        )


def check_not_removed(state: TrainerState, what: str) -> None:
    """A trainer removed for cause is neither enrolled nor certified until reinstated."""
    check_not_erased(state)
    if state.standing is not None and state.standing.listing is Listing.REMOVED:
        raise StandingRuleViolated(
            f"{state.name} was removed from the list for cause "
            f"({state.standing.delisting_reason}); the programme office must reinstate them "
            f"before they are {what} in any module."
        )


def check_can_be_certified(state: TrainerState) -> None:
    check_not_removed(state, "certified")


def check_can_open_journey(state: TrainerState, module: Module) -> None:
    check_not_removed(state, "enrolled")
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
    state: TrainerState,
    step: StandingStep,
    actor: Actor,
    now: datetime,
    term: InactivityTerm = DEFAULT_INACTIVITY,
) -> None:
    """`term`: the inactivity period in force at `now`, which also bounds how old a
    training a record may report."""
    _check_standing_actor(state, step, actor)
    check_not_erased(state)
    step = clean_standing_step(step)
    standing = _standing(state)
    match step:
        case SubmitTrainingRecord():
            _check_training_record(state, standing, step, now, term)
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
            module = clean_module(step.module)
            description = clean_field("description", step.description, FREE_TEXT)
            return replace(step, module=module, description=description)
        case RemoveForCause() | Reinstate():
            return replace(step, reason=clean_field("reason", step.reason, REASON))


def clean_module(code: str) -> str:
    """A module code as the programme names it; a typo is refused (422), not judged as a
    module the trainer does not hold (409)."""
    cleaned = clean_field("module", code, IDENTIFIER)
    codes = [m.value for m in Module]
    if cleaned not in codes:
        raise InvalidInput(f"module: {cleaned} is no SCORE module; use one of {', '.join(codes)}.")
    return cleaned


def _check_standing_actor(state: TrainerState, step: StandingStep, actor: Actor) -> None:
    # A standing workflow started before countries were codes holds the free text it was
    # given: read as the code it names, as its events are.
    country = recorded_country(state.country)
    about = About(trainer_id=state.trainer_id, countries=frozenset({country}))
    policy.require(actor, Action(step.kind), about)


def _standing(state: TrainerState) -> Standing:
    if state.standing is None:
        raise StandingRuleViolated(
            f"{state.name} is not a certified SCORE trainer yet; standing starts with the "
            "certificate of competence."
        )
    return state.standing


def _check_training_record(
    state: TrainerState,
    standing: Standing,
    step: SubmitTrainingRecord,
    now: datetime,
    term: InactivityTerm,
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
        raise InvalidInput(
            f"The training cannot be delivered in the future ({step.delivered_on}).",
            code="training_in_the_future",
            params={"day": step.delivered_on},
        )
    year_before = earliest_local_date(add_months(now, -term.months))
    if step.delivered_on < year_before:
        # Else records of old trainings, sent one a year, would keep a trainer listed who
        # has not trained anyone for years: a record counts for a training of the period.
        raise StandingRuleViolated(
            f"A training delivered on {step.delivered_on} is more than {term.months} months "
            f"ago (policy version {term.policy_version}); records count for trainings "
            f"delivered since {year_before}.",
            code="training_too_old",
            params={
                "day": step.delivered_on,
                "months": term.months,
                "since": year_before,
                "policy_version": term.policy_version,
            },
        )
    counted_from = standing.last_delivered_on or (state.certified_at or now).date()
    if step.delivered_on < counted_from or step.delivered_on == standing.last_delivered_on:
        raise StandingRuleViolated(
            f"A training delivered on {step.delivered_on} does not count: records count for "
            f"trainings delivered after {counted_from} (the certificate or the last record).",
            code="training_not_after_last",
            params={"day": step.delivered_on, "after": counted_from},
        )
    if step.enterprises < 1 or step.participants < 1:
        raise InvalidInput(
            "A training record needs at least one enterprise and one participant.",
            code="training_without_participants",
        )
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
            if standing.listing is Listing.INACTIVE:
                # Inactivity was the only reason for the delisting, and the record ends it:
                # the trainer is listed again (and their credential's suspension lifted).
                standing = replace(
                    standing, listing=Listing.LISTED, listed_since=at, delisting_reason=None
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


def check_activity_reminder(
    state: TrainerState, months: int, now: datetime, inactive_after_months: int
) -> None:
    standing = _listed(state, "reminded")
    if not 0 < months < inactive_after_months:
        raise InvalidInput(
            f"A reminder threshold must be 1–{inactive_after_months - 1} months (before the "
            f"delisting at {inactive_after_months}), got {months}."
        )
    if months in standing.reminders_sent:
        raise StandingRuleViolated(f"The {months}-month reminder was already sent on this clock.")
    if now < add_months(standing.clock_started_at, months):
        raise StandingRuleViolated(f"{months} months have not passed since the clock restarted.")


def evolve_reminded(state: TrainerState, months: int) -> TrainerState:
    standing = _standing(state)
    return replace(
        state, standing=replace(standing, reminders_sent=(*standing.reminders_sent, months))
    )


def inactive_from(standing: Standing, months: int = INACTIVE_AFTER_MONTHS) -> datetime:
    return add_months(standing.clock_started_at, months)


def check_mark_inactive(state: TrainerState, now: datetime, term: InactivityTerm) -> None:
    standing = _listed(state, "marked inactive")
    until = inactive_from(standing, term.months)
    if now < until:
        raise StandingRuleViolated(
            f"{state.name} is active until {until:%Y-%m-%d} ({term.months} months after the "
            f"last training record, policy version {term.policy_version}).",
            code="still_active",
            params={
                "name": state.name,
                "until": until.date(),
                "months": term.months,
                "policy_version": term.policy_version,
            },
        )


def evolve_inactive(state: TrainerState, months: int) -> TrainerState:
    reason = f"inactive: no training record for {months} months"
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
