"""What crosses Temporal: workflow inputs, update requests, activity commands and outcomes.

Plain frozen dataclasses over the domain's own values; the data converter
(`workflows/converter.py`, pydantic) carries them (dates, enums, tuples, dicts) as they are.
Steps are unions told apart by `kind`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import Field

from domain.journey.state import JourneyState
from domain.journey.steps import JourneyStep
from domain.trainer.state import INACTIVE_AFTER_MONTHS, InactivityTerm, TrainerState
from domain.trainer.steps import StandingStep
from domain.values import Actor, Module


class ActivityName:
    """Workflows call activities by name, so that they never import the event store's code."""

    ENROL = "enrol"
    TAKE_JOURNEY_STEP = "take_journey_step"
    REMIND_STALLED_JOURNEY = "remind_stalled_journey"
    READ_JOURNEY = "read_journey"
    READ_TRAINER = "read_trainer"
    READ_POLICY = "read_policy"
    POLICY_IN_FORCE = "policy_in_force"
    POLICY_SCHEDULE = "policy_schedule"
    TAKE_STANDING_STEP = "take_standing_step"
    REMIND_INACTIVE_TRAINER = "remind_inactive_trainer"
    DELIST_INACTIVE_TRAINER = "delist_inactive_trainer"
    SEND_MAIL = "send_mail"
    DELIVER_WEBHOOK = "deliver_webhook"


# -- configuration carried by the workflows --------------------------------------------------


@dataclass(frozen=True)
class ReminderPolicy:
    """When automated reminders go out; from Settings, fixed for a workflow run."""

    stall_after_days: int = 60
    reminder_months: tuple[int, ...] = (9, 11)
    version: int = 0  # the recorded policy version (domain/policies.py); 0: the configured
    # Absent from runs recorded before the period was versioned: it was 12 then.
    inactive_after_months: int = INACTIVE_AFTER_MONTHS

    @property
    def inactivity(self) -> InactivityTerm:
        return InactivityTerm(self.inactive_after_months, self.version)

    @property
    def stall_after(self) -> timedelta:
        return timedelta(days=self.stall_after_days)


@dataclass(frozen=True)
class PolicyQuery:
    """Which recorded policy version is in force at the workflow's `at`."""

    current: ReminderPolicy
    at: datetime


@dataclass(frozen=True)
class PolicyFrom:
    """A recorded version that applies from `applies_from`, later than the moment it was read."""

    applies_from: datetime
    policy: ReminderPolicy


@dataclass(frozen=True)
class PolicySchedule:
    """The policy in force at the moment it was read (`now`), and every version recorded by
    then that applies later, in the order they apply: what a journey's stall clock follows."""

    now: ReminderPolicy
    later: tuple[PolicyFrom, ...] = ()

    def stall_reminder_due(self, since: datetime) -> datetime:
        """The first moment at which the journey, waiting since `since`, has waited for the
        stall period in force at that very moment: never before the period in force ran out,
        and as soon as a shorter period that applies later has run out."""
        starts: list[datetime | None] = [None, *(p.applies_from for p in self.later)]
        policies = [self.now, *(p.policy for p in self.later)]
        for start, policy, end in zip(starts, policies, [*starts[1:], None], strict=True):
            due = since + policy.stall_after
            if start is not None:
                due = max(due, start)  # a version's period runs out no sooner than it applies
            if end is None or due < end:
                return due
        raise AssertionError("the last period has no end")  # pragma: no cover

    def in_force_at(self, moment: datetime) -> ReminderPolicy:
        """The version in force at `moment` (not before the moment it was read): the latest
        of those applying later to have started by then, else the one in force when read."""
        started = [p.policy for p in self.later if p.applies_from <= moment]
        return started[-1] if started else self.now


# -- the journey workflow ---------------------------------------------------------------------


@dataclass(frozen=True)
class JourneyInput:
    trainer_id: str
    module: Module
    policy: ReminderPolicy
    state: JourneyState | None = None  # carried over continue-as-new; None until enrolment
    unsent_mail: tuple[MailCommand, ...] = ()  # handed over by the run before this one
    # The journey this workflow opens, named before it exists (`journey-{journey_id}`); None
    # in runs started under the older id `journey-{trainer_id}-{module}`.
    journey_id: str | None = None


@dataclass(frozen=True)
class EnrolRequest:
    workshop_id: str
    actor: Actor
    backdated_reason: str | None = None  # the office brings in a past record
    # The request id: each sending is an update of its own (`client.attempt_id`), because
    # Temporal keeps a closed run's update outcomes, a "try again" too, under their ids. None
    # in histories recorded before, whose update id was the request id.
    command_id: str | None = None


@dataclass(frozen=True)
class StepRequest:
    step: Annotated[JourneyStep, Field(discriminator="kind")]
    actor: Actor
    # The journey the caller means: under the older workflow id (trainer × module) a workflow
    # outlived one journey, so a step sent as a journey ends must not land on the next one.
    journey_id: str | None = None
    # The caller's request id. Each attempt is its own update: Temporal keeps an update's
    # outcome for its id, a failure too, so a retry under the same update id would get the
    # failure again. None (older callers): the update id is the command id.
    command_id: str | None = None


# -- the standing workflow --------------------------------------------------------------------


@dataclass(frozen=True)
class TrainerOutcome:
    """A trainer's state as the event store has it, and the log position it was read at."""

    state: TrainerState
    position: int


@dataclass(frozen=True)
class StandingInput:
    trainer_id: str
    policy: ReminderPolicy
    trainer: TrainerOutcome | None = None  # None: the workflow reads it from the event store
    unsent_mail: tuple[MailCommand, ...] = ()  # handed over by the run before this one


@dataclass(frozen=True)
class StandingStepRequest:
    step: Annotated[StandingStep, Field(discriminator="kind")]
    actor: Actor
    command_id: str | None = None  # as in StepRequest


# -- activity commands and outcomes -----------------------------------------------------------


@dataclass(frozen=True)
class EnrolCommand:
    trainer_id: str
    module: Module
    workshop_id: str
    actor: Actor
    command_id: str
    at: datetime
    backdated_reason: str | None = None  # the office brings in a past record
    # The id the workflow was started under; the application refuses to open another.
    journey_id: str | None = None


@dataclass(frozen=True)
class JourneyStepCommand:
    journey_id: str
    step: Annotated[JourneyStep, Field(discriminator="kind")]
    actor: Actor
    command_id: str
    at: datetime


@dataclass(frozen=True)
class StallReminderCommand:
    journey_id: str
    command_id: str
    at: datetime
    stall_after_days: int
    policy_version: int | None = None  # the version whose stall period applied


@dataclass(frozen=True)
class JourneyOutcome:
    journey: JourneyState
    trainer: TrainerOutcome | None = None  # given when the step certified the candidate


@dataclass(frozen=True)
class StandingStepCommand:
    trainer_id: str
    step: Annotated[StandingStep, Field(discriminator="kind")]
    actor: Actor
    command_id: str
    at: datetime


@dataclass(frozen=True)
class ActivityReminderCommand:
    trainer_id: str
    months: int
    command_id: str
    at: datetime
    policy_version: int | None = None  # the version whose reminder months applied
    inactive_after_months: int = INACTIVE_AFTER_MONTHS  # the period they lead up to


@dataclass(frozen=True)
class DelistingCommand:
    trainer_id: str
    command_id: str
    at: datetime
    policy_version: int | None = None
    inactive_after_months: int = INACTIVE_AFTER_MONTHS  # the period that ran out

    @property
    def inactivity(self) -> InactivityTerm:
        return InactivityTerm(self.inactive_after_months, self.policy_version or 0)


@dataclass(frozen=True)
class MailCommand:
    """Send the messages for the event that `command_id` recorded on `aggregate_id`."""

    aggregate_id: str
    command_id: str
