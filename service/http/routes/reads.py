"""What people read: journeys, worklists, trainers, standings, workshops, enterprises."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from domain import policy
from domain.policy import About, Action
from domain.trainer.state import Listing
from domain.values import Module
from projections import queries
from projections.queries import registers
from service.app.accounts import User
from service.app.policies import inactivity_at
from service.http.answers import next_step, stall_period
from service.http.deps import CurrentUser, ReachingUser, Services, ServicesDep, allowed_to
from service.http.parameters import EnterpriseId, JourneyId, TrainerId, WorkshopId, uuid_query
from service.http.reading import FreshReads, may_read_journey, require_trainer_reader
from service.http.schemas import JourneyRead

router = APIRouter(tags=["reads"])

WorklistReaders = Annotated[User, Depends(allowed_to(Action.READ_WORKLIST))]
StandingsReaders = Annotated[User, Depends(allowed_to(Action.READ_STANDINGS))]


@router.get("/journeys/{journey_id}")
def read_journey(
    journey_id: JourneyId, user: ReachingUser, read: FreshReads, services: ServicesDep
) -> JourneyRead:
    """A journey: stage, ToE cycle, its `next_action` (the sentence, as in the lists) and
    `next_step`: who must act, the step, the enterprise by id and name, and the day after
    which it is overdue."""
    journey = queries.journey(read, journey_id)
    if journey is None:
        raise HTTPException(404, f"No journey with id {journey_id}.")
    about = About.journey(journey.trainer_id, journey.expert_id)
    policy.require(user.actor, Action.READ_RECORD, about)
    state = services.certification.journey(journey_id)
    waiting = next_step(services, state, stall_period(services))
    return JourneyRead(**vars(journey), next_step=waiting)


@router.get("/trainers/{trainer_id}/journeys")
def read_trainer_journeys(
    trainer_id: TrainerId, user: ReachingUser, read: FreshReads
) -> list[queries.JourneyView]:
    """Every journey of a trainer, with current step and next action; an expert sees those
    they supervise."""
    require_trainer_reader(user, read, trainer_id)
    journeys = queries.journeys_of_trainer(read, trainer_id)
    return [j for j in journeys if may_read_journey(user, j)]


@router.get("/trainers/{trainer_id}")
def read_trainer(
    trainer_id: TrainerId, user: ReachingUser, read: FreshReads
) -> registers.TrainerProfile:
    """A trainer's profile: certificate, modules, listing."""
    require_trainer_reader(user, read, trainer_id)
    profile = registers.trainer_profile(read, trainer_id)
    if profile is None:
        raise HTTPException(404, f"No trainer with id {trainer_id}.")
    return profile


@router.get("/trainers/{trainer_id}/standing")
def read_standing(
    trainer_id: TrainerId, user: ReachingUser, read: FreshReads, services: ServicesDep
) -> queries.TrainerStanding:
    """A certified trainer's standing: last training record, reminders sent, inactivity (by
    the policy version in force)."""
    require_trainer_reader(user, read, trainer_id)
    found = queries.standing(read, trainer_id, _inactive_after_months_now(services))
    if found is None:
        raise HTTPException(404, f"Trainer {trainer_id} has no standing (not certified).")
    return found


@router.get("/standings")
def read_standings(
    user: StandingsReaders,
    read: FreshReads,
    services: ServicesDep,
    listing: Listing | None = None,
) -> list[queries.TrainerStanding]:
    """Every certified trainer's standing; optionally only listed, inactive or removed ones.
    A country office reads those of its countries."""
    seen = policy.countries_seen(user.actor)
    found = queries.standings(read, listing, _inactive_after_months_now(services))
    return found if seen is None else [s for s in found if s.country in seen]


def _inactive_after_months_now(services: Services) -> int:
    return inactivity_at(services.certification, datetime.now(UTC)).months


@router.get("/worklist")
def read_worklist(
    user: WorklistReaders,
    services: ServicesDep,
    read: FreshReads,
    expert_id: Annotated[
        str | None,
        uuid_query("hq and auditors: whose worklist (an expert's id); without it, the office's"),
    ] = None,
) -> list[queries.WorklistItem]:
    """What must be done next, overdue first. An expert: their candidates. The programme
    office and auditors: an expert's (`expert_id`), or without it the office's own list,
    the recommended candidates waiting for certification under every expert."""
    # An expert who names another expert still reads only their own worklist.
    whose = expert_id if policy.may(user.actor, Action.READ_ANY_WORKLIST) else user.trainer_id
    stall_after = stall_period(services)  # the policy version's in force now
    now = datetime.now(UTC)
    if whose is None:
        found = queries.office_worklist(read, now, stall_after)
    else:
        found = queries.expert_worklist(read, whose, now, stall_after)
    return _in_reach(user, read, found)


def _in_reach(
    user: User, read: FreshReads, items: list[queries.WorklistItem]
) -> list[queries.WorklistItem]:
    """A country office's worklist holds the journeys of its countries' trainers."""
    seen = policy.countries_seen(user.actor)
    if seen is None:
        return items
    countries = registers.trainer_countries(read, {i.journey.trainer_id for i in items})
    return [i for i in items if countries.get(i.journey.trainer_id) in seen]


@router.get("/workshops")
def read_workshops(
    user: CurrentUser, read: FreshReads, module: Module | None = None
) -> list[registers.Workshop]:
    """ToT workshops, the latest first; a country office's, of its countries."""
    seen = policy.countries_seen(user.actor)
    return [
        _workshop_as_seen_by(user, found)
        for found in registers.workshops(read, module)
        if seen is None or found.country in seen
    ]


@router.get("/workshops/{workshop_id}")
def read_workshop(
    workshop_id: WorkshopId, user: ReachingUser, read: FreshReads
) -> registers.Workshop:
    """One ToT workshop: module, dates, venue and its expert trainer."""
    found = registers.workshops(read, workshop_id=workshop_id)
    if not found:
        raise HTTPException(404, f"No ToT workshop with id {workshop_id}.")
    return _workshop_as_seen_by(user, found[0])


def _workshop_as_seen_by(user: User, workshop: registers.Workshop) -> registers.Workshop:
    """The expert's internal id is for the office, auditors and that expert: to anyone else
    it would be a handle on a person they have no business with."""
    about = About(workshop_expert=workshop.expert_id)
    if policy.may(user.actor, Action.SEE_WORKSHOP_EXPERT, about):
        return workshop
    return replace(workshop, expert_id=None)


@router.get("/enterprises")
def read_enterprises(user: CurrentUser, read: FreshReads) -> list[queries.EnterpriseResults]:
    """Enterprises with their indicators: baseline, latest and improvement per ToE cycle.
    Every registered enterprise is listed; a trainer sees the cycles of their own journeys
    and an expert those they supervise (the programme's totals are public statistics). A
    country office lists its countries' enterprises."""
    seen = policy.countries_seen(user.actor)
    return [
        _as_seen_by(user, read, found)
        for found in queries.enterprises(read)
        if seen is None or found.country in seen
    ]


@router.get("/enterprises/{enterprise_id}")
def read_enterprise(
    enterprise_id: EnterpriseId, user: ReachingUser, read: FreshReads
) -> queries.EnterpriseResults:
    """One enterprise, with its indicators per ToE cycle it took part in (as above)."""
    found = queries.enterprises(read, enterprise_id)
    if not found:
        raise HTTPException(404, f"No enterprise with id {enterprise_id}.")
    return _as_seen_by(user, read, found[0])


def _as_seen_by(
    user: User, read: FreshReads, enterprise: queries.EnterpriseResults
) -> queries.EnterpriseResults:
    """The cycles the user may read: a country office's, of its countries' trainers (a
    firm in India may be trained by a candidate of another country)."""
    countries = None
    if policy.countries_seen(user.actor) is not None:
        trainers = {p.trainer_id for p in enterprise.participations}
        countries = registers.trainer_countries(read, trainers)
    mine = tuple(p for p in enterprise.participations if _may_read_cycle(user, p, countries))
    return replace(enterprise, participations=mine)


def _may_read_cycle(
    user: User, cycle: queries.Participation, countries: dict[str, str] | None
) -> bool:
    """`countries` (for a country office): each trainer's; one not found is no country."""
    about = About.journey(cycle.trainer_id, cycle.expert_id)
    if countries is not None:
        about = replace(about, countries=frozenset({countries.get(cycle.trainer_id, "")}))
    return policy.may(user.actor, Action.READ_RECORD, about)
