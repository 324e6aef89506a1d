"""The journey aggregate: its events (past tense) are the record of every step taken."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from domain.calendar import latest_local_date
from domain.journey import rules
from domain.journey.state import JourneyState
from domain.journey.steps import (
    AmendStep,
    AssessCycle,
    Certify,
    DeliverClassroomWorkshop,
    JourneyStep,
    ReassignExpert,
    RecordBaselineAssessment,
    RecordCoachingVisit,
    RecordToTResult,
    ReportProgress,
    SelectEnterprise,
    VoidStep,
    Withdraw,
)
from domain.recorded import RecordedAggregate, created_fields
from domain.size_warnings import SizeWarning, recorded_fields, upcast_text
from domain.values import SYSTEM_ACTOR, Actor, Module


class Journey(RecordedAggregate):
    if TYPE_CHECKING:  # declared for mypy only: eventsourcing turns annotations into __init__ args
        state: JourneyState

    class Enrolled(RecordedAggregate.Created):
        trainer_id: str
        module: str
        workshop_id: str
        expert_id: str

        def apply_to(self, aggregate: Any) -> None:
            aggregate.state = JourneyState(
                journey_id=str(self.originator_id),
                trainer_id=self.trainer_id,
                module=Module(self.module),
                workshop_id=self.workshop_id,
                expert_id=self.expert_id,
                enrolled_at=self.timestamp,
                last_step_at=self.timestamp,
            )

    class EnrolmentBackdated(RecordedAggregate.Event):
        """The office enrolled the candidate after the workshop ended: a past record brought in."""

        personal_fields = ("reason",)  # sealed with the journey's key (docs/personal-data.md)
        workshop_ended_on: date
        reason: str

    class StepTaken(RecordedAggregate.Event):
        """Base of the events that record a journey step; evolves state by the pure rules."""

        step_class: ClassVar[type[JourneyStep]]

        def as_step(self) -> JourneyStep:
            names = [f.name for f in dataclasses.fields(self.step_class) if f.name != "kind"]
            return self.step_class(**{name: getattr(self, name) for name in names})

        def apply_to(self, aggregate: Any) -> None:
            aggregate.state = rules.record(
                aggregate.state,
                self.as_step(),
                self.timestamp,
                self.originator_version,
                self.actor_id,
                self.recorded_warning(),
            )

        def recorded_warning(self) -> SizeWarning | None:
            """The size warning the step recorded: only a selection records one."""
            return None

    class ToTResultRecorded(StepTaken):
        step_class = RecordToTResult
        attended: bool
        completed: bool

    class EnterpriseSelected(StepTaken):
        step_class = SelectEnterprise
        class_version = 3
        enterprise_id: str
        # Outside the SME range in force when selected: its code and params
        # (`SizeWarning.recorded`) from v3; v2 recorded it as English text, kept as recorded.
        size_warning: dict[str, Any] | None
        size_warning_as_recorded: str | None  # v2's text, kept by the upcast; None since

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Selections before v2 recorded no warning (the warning came at registration)."""
            state["size_warning"] = None

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            upcast_text(state)

        def recorded_warning(self) -> SizeWarning | None:
            return SizeWarning.from_event(self.size_warning, self.size_warning_as_recorded)

    class BaselineAssessmentRecorded(StepTaken):
        step_class = RecordBaselineAssessment
        enterprise_id: str
        visited_on: date
        indicators: dict[str, float]

    class ClassroomWorkshopDelivered(StepTaken):
        step_class = DeliverClassroomWorkshop
        class_version = 2  # v2 adds the participants' satisfaction (optional)
        held_on: date
        managers: int
        workers: int
        women: int
        satisfaction: float | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Workshops recorded before satisfaction was asked for have none recorded."""
            state["satisfaction"] = None

    class CoachingVisitRecorded(StepTaken):
        step_class = RecordCoachingVisit
        personal_fields = ("notes",)
        enterprise_id: str
        visited_on: date
        notes: str

    class ProgressReported(StepTaken):
        step_class = ReportProgress
        enterprise_id: str
        indicators: dict[str, float]

    class CycleAssessed(StepTaken):
        step_class = AssessCycle
        personal_fields = ("comments",)
        outcome: str
        comments: str

    class Certified(StepTaken):
        step_class = Certify

    class Withdrawn(StepTaken):
        step_class = Withdraw
        personal_fields = ("reason",)
        reason: str

    class StallReminderSent(RecordedAggregate.Event):
        class_version = 2  # v2 names the policy version applied
        personal_fields = ("recipients",)  # e-mails
        waiting_since: datetime
        next_action: str
        recipients: list[str]
        policy_version: int | None  # None: sent before policies were versioned

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["policy_version"] = None

        def apply_to(self, aggregate: Any) -> None:
            aggregate.state = rules.evolve_stall_reminded(aggregate.state)

    class ExpertReassigned(StepTaken):
        """The candidate moved to another expert trainer: from now on only they act."""

        step_class = ReassignExpert
        expert_id: str
        reason: str
        previous_expert_id: str

    class StepAmended(StepTaken):
        """A recorded ToE step's values corrected (`step_version` names it); the fields not
        given (None) keep their recorded values. The step's own event stays as it was: the
        state, the read models and the "as in effect" view read the step as amended."""

        step_class = AmendStep
        step_version: int
        reason: str
        visited_on: date | None
        held_on: date | None
        indicators: dict[str, float] | None
        managers: int | None
        workers: int | None
        women: int | None
        satisfaction: float | None
        notes: str | None

    class StepVoided(StepTaken):
        """A recorded ToE step struck out: it no longer counts. Its event stays, and the
        "as recorded" view of any moment before this still shows it."""

        step_class = VoidStep
        step_version: int
        reason: str

    @classmethod
    def enrol(
        cls,
        journey_id: UUID,
        trainer_id: str,
        module: Module,
        workshop_id: str,
        expert_id: str,
        actor: Actor,
        command_id: str,
        at: datetime,
    ) -> Journey:
        return cls._create(
            cls.Enrolled,
            id=journey_id,
            trainer_id=trainer_id,
            module=module.value,
            workshop_id=workshop_id,
            expert_id=expert_id,
            **created_fields(actor, command_id, at),
        )

    def backdate(
        self, workshop_ended_on: date, reason: str, actor: Actor, command_id: str, at: datetime
    ) -> None:
        self.record(
            self.EnrolmentBackdated,
            actor,
            command_id,
            at,
            workshop_ended_on=workshop_ended_on,
            reason=reason,
        )

    def take(
        self,
        step: JourneyStep,
        actor: Actor,
        command_id: str,
        at: datetime,
        *,
        size_warning: SizeWarning | None = None,
        limit_at: rules.LimitAt = rules.default_limit,
    ) -> None:
        """Record the step; a selection records the enterprise's `size_warning` (from
        `domain.enterprise.size_warning`, by the SME range in force) too, so the warning is
        met where the firm is chosen. `limit_at`: the participant limit in force at a moment
        (the application reads the policy)."""
        rules.check(self.state, step, actor, at, limit_at=limit_at)
        rules.check_dates(step, latest_local_date(at))
        step = rules.clean_step(step)  # the text as checked, not as typed (domain/text.py)
        fields = {k: v for k, v in dataclasses.asdict(step).items() if k != "kind"}
        if isinstance(step, SelectEnterprise):
            fields |= recorded_fields(size_warning)
        if isinstance(step, ReassignExpert):
            fields["previous_expert_id"] = self.state.expert_id
        self.record(EVENT_FOR_STEP[type(step)], actor, command_id, at, **fields)

    def remind_stalled(
        self,
        recipients: list[str],
        command_id: str,
        at: datetime,
        stall_after: timedelta,
        policy_version: int | None = None,
    ) -> None:
        rules.check_stall_reminder(self.state, at, stall_after)
        self.record(
            self.StallReminderSent,
            SYSTEM_ACTOR,
            command_id,
            at,
            waiting_since=self.state.last_step_at,
            next_action=rules.next_action(self.state).what,
            recipients=recipients,
            policy_version=policy_version,
        )


EVENT_FOR_STEP: dict[type[Any], type[Journey.StepTaken]] = {
    event.step_class: event
    for event in (
        Journey.ToTResultRecorded,
        Journey.EnterpriseSelected,
        Journey.BaselineAssessmentRecorded,
        Journey.ClassroomWorkshopDelivered,
        Journey.CoachingVisitRecorded,
        Journey.ProgressReported,
        Journey.CycleAssessed,
        Journey.Certified,
        Journey.Withdrawn,
        Journey.ExpertReassigned,
        Journey.StepAmended,
        Journey.StepVoided,
    )
}
