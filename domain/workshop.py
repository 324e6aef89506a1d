"""ToT (Training of Trainers) workshops, scheduled by the programme office."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain import policy
from domain.calendar import earliest_local_date
from domain.countries import country_code, upcast_country
from domain.errors import InvalidInput, WorkshopChangeRefused
from domain.policy import About, Action
from domain.recorded import RecordedAggregate, created_fields
from domain.text import IDENTIFIER, REASON, VENUE, WORKSHOP_CODE, clean_field
from domain.values import Actor, Module


@dataclass(frozen=True)
class WorkshopPlan:
    module: Module
    code: str  # the programme office's own reference, e.g. "IND-WC-2026-02"
    starts_on: date
    ends_on: date
    venue: str
    country: str
    expert_id: str


@dataclass(frozen=True)
class WorkshopState:
    workshop_id: str
    plan: WorkshopPlan
    cancelled_reason: str | None = None  # cancelled by the office, for this reason


@dataclass(frozen=True)
class Reschedule:
    """What the office changes of a workshop's plan: None leaves that part as it is."""

    reason: str
    starts_on: date | None = None
    ends_on: date | None = None
    venue: str | None = None


@dataclass(frozen=True)
class Attendance:
    """The journeys enrolled in a workshop: those still waiting for its result, and those
    whose result was recorded (the workshop took place for them). Withdrawn journeys do not
    count: those candidates left it."""

    waiting: int = 0
    with_result: int = 0


def check_reschedule(
    state: WorkshopState, change: Reschedule, attendance: Attendance, today: date, actor: Actor
) -> Reschedule:
    """The change cleaned, keeping only what changes.

    A new venue is always possible. New dates are refused once a result was recorded on the
    old ones (the workshop took place), and, while candidates wait for its result, new dates
    must keep the workshop not yet ended for them: otherwise they would be enrolled in a
    workshop that ended before they were (move them first).
    """
    plan = state.plan
    policy.require(actor, Action.CHANGE_WORKSHOP, About(countries=frozenset({plan.country})))
    reason = clean_field("reason", change.reason, REASON)
    venue = None if change.venue is None else clean_field("venue", change.venue, VENUE)
    _check_not_cancelled(state, "rescheduled")
    starts_on = change.starts_on or plan.starts_on
    ends_on = change.ends_on or plan.ends_on
    if ends_on < starts_on:
        raise InvalidInput(f"The workshop would end ({ends_on}) before it starts ({starts_on}).")
    changed = Reschedule(
        reason,
        starts_on=None if starts_on == plan.starts_on else starts_on,
        ends_on=None if ends_on == plan.ends_on else ends_on,
        venue=None if venue == plan.venue else venue,
    )
    if changed == Reschedule(reason):
        raise InvalidInput(
            f"Nothing to change: workshop {plan.code} already runs {plan.starts_on} to "
            f"{plan.ends_on} at {plan.venue}; send the dates or venue as they should be."
        )
    if changed.starts_on is None and changed.ends_on is None:
        return changed
    if attendance.with_result:
        raise WorkshopChangeRefused(
            f"Workshop {plan.code} took place: {attendance.with_result} candidate(s) have "
            "their result recorded on its dates. Only its venue can be corrected.",
            code="workshop_took_place",
            params={"code": plan.code, "count": attendance.with_result},
        )
    if attendance.waiting and ends_on < today:
        raise WorkshopChangeRefused(
            f"{attendance.waiting} candidate(s) are enrolled in workshop {plan.code}, and new "
            f"dates ending {ends_on} would leave them in a workshop that has ended. Choose "
            "dates that end today or later, or withdraw them first.",
            code="workshop_would_end_for_enrolled",
            params={"code": plan.code, "count": attendance.waiting, "ends_on": ends_on},
        )
    return changed


def check_cancellation(
    state: WorkshopState, reason: str, attendance: Attendance, actor: Actor
) -> str:
    """The reason, cleaned, if the workshop may be cancelled: only with no candidate
    enrolled in it (their journeys are withdrawn first, and they enrol in another one)."""
    plan = state.plan
    policy.require(actor, Action.CHANGE_WORKSHOP, About(countries=frozenset({plan.country})))
    reason = clean_field("reason", reason, REASON)
    _check_not_cancelled(state, "cancelled")
    enrolled = attendance.waiting + attendance.with_result
    if enrolled:
        raise WorkshopChangeRefused(
            f"{enrolled} candidate(s) are enrolled in workshop {plan.code}; withdraw their "
            "journeys first (they may then enrol in another workshop).",
            code="workshop_has_candidates",
            params={"code": plan.code, "count": enrolled},
        )
    return reason


def check_open_for_enrolment(state: WorkshopState) -> None:
    """No one enrols in a cancelled workshop."""
    _check_not_cancelled(state, "enrolled in")


def _check_not_cancelled(state: WorkshopState, what: str) -> None:
    if state.cancelled_reason is not None:
        code = state.plan.code
        raise WorkshopChangeRefused(
            f"Workshop {code} was cancelled ({state.cancelled_reason}); it cannot be {what}.",
            code="workshop_cancelled",
            params={"code": code},
        )


def check_plan(plan: WorkshopPlan, actor: Actor, expert_is_expert: bool) -> None:
    policy.require(actor, Action.SCHEDULE_WORKSHOP)
    plan = clean_plan(plan)
    policy.require(actor, Action.SCHEDULE_WORKSHOP, About(countries=frozenset({plan.country})))
    if plan.ends_on < plan.starts_on:
        raise InvalidInput(
            f"The workshop ends ({plan.ends_on}) before it starts ({plan.starts_on})."
        )
    if not expert_is_expert:
        raise InvalidInput(f"{plan.expert_id} is not a registered expert trainer.")


def clean_plan(plan: WorkshopPlan) -> WorkshopPlan:
    """The plan with its text cleaned (domain/text.py); InvalidInput naming the field
    otherwise. The workshop's id comes from the cleaned code."""
    return replace(
        plan,
        code=clean_field("code", plan.code, WORKSHOP_CODE),
        venue=clean_field("venue", plan.venue, VENUE),
        country=country_code("country", plan.country),
        expert_id=clean_field("expert_id", plan.expert_id, IDENTIFIER),
    )


class ToTWorkshop(RecordedAggregate):
    if TYPE_CHECKING:  # declared for mypy only: eventsourcing turns annotations into __init__ args
        state: WorkshopState

    class Scheduled(RecordedAggregate.Created):
        class_version = 2  # v1 (release v0.1.0) recorded the country as free text
        module: str
        code: str
        starts_on: date
        ends_on: date
        venue: str
        country: str  # ISO 3166-1 alpha-2 (domain/countries.py)
        expert_id: str
        country_as_recorded: str | None  # v1's free text, kept by the upcast; None since

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_country(state)

        def apply_to(self, aggregate: Any) -> None:
            plan = WorkshopPlan(
                Module(self.module),
                self.code,
                self.starts_on,
                self.ends_on,
                self.venue,
                self.country,
                self.expert_id,
            )
            aggregate.state = WorkshopState(str(self.originator_id), plan)

    class Rescheduled(RecordedAggregate.Event):
        """The office moved the workshop to new dates or another venue."""

        starts_on: date
        ends_on: date
        venue: str
        reason: str

        def apply_to(self, aggregate: Any) -> None:
            plan = replace(
                aggregate.state.plan,
                starts_on=self.starts_on,
                ends_on=self.ends_on,
                venue=self.venue,
            )
            aggregate.state = replace(aggregate.state, plan=plan)

    class Cancelled(RecordedAggregate.Event):
        """The office cancelled the workshop; no one enrols in it any more."""

        reason: str

        def apply_to(self, aggregate: Any) -> None:
            aggregate.state = replace(aggregate.state, cancelled_reason=self.reason)

    class CandidateEnrolled(RecordedAggregate.Event):
        """A candidate's journey was opened in the workshop. Written with the journey, it
        moves the workshop's version: a cancellation or a reschedule judged on attendance
        read before it collides with it in the event store, and is judged again."""

        journey_id: str

    @classmethod
    def schedule(
        cls,
        workshop_id: UUID,
        plan: WorkshopPlan,
        expert_is_expert: bool,
        actor: Actor,
        command_id: str,
        at: datetime,
    ) -> ToTWorkshop:
        check_plan(plan, actor, expert_is_expert)
        plan = clean_plan(plan)
        return cls._create(
            cls.Scheduled,
            id=workshop_id,
            module=plan.module.value,
            code=plan.code,
            starts_on=plan.starts_on,
            ends_on=plan.ends_on,
            venue=plan.venue,
            country=plan.country,
            expert_id=plan.expert_id,
            country_as_recorded=None,
            **created_fields(actor, command_id, at),
        )

    def reschedule(
        self,
        change: Reschedule,
        attendance: Attendance,
        actor: Actor,
        command_id: str,
        at: datetime,
    ) -> None:
        today = earliest_local_date(at)  # as enrolment: a workshop ends last in the west
        changed = check_reschedule(self.state, change, attendance, today, actor)
        plan = self.state.plan
        self.record(
            self.Rescheduled,
            actor,
            command_id,
            at,
            starts_on=changed.starts_on or plan.starts_on,
            ends_on=changed.ends_on or plan.ends_on,
            venue=changed.venue or plan.venue,
            reason=changed.reason,
        )

    def cancel(
        self, reason: str, attendance: Attendance, actor: Actor, command_id: str, at: datetime
    ) -> None:
        reason = check_cancellation(self.state, reason, attendance, actor)
        self.record(self.Cancelled, actor, command_id, at, reason=reason)

    def enrol(self, journey_id: UUID, actor: Actor, command_id: str, at: datetime) -> None:
        """Take a candidate's enrolment: not into a cancelled workshop."""
        check_open_for_enrolment(self.state)
        self.record(self.CandidateEnrolled, actor, command_id, at, journey_id=str(journey_id))
