"""Activities: the only place where workflows reach the event store and the outside world.

Synchronous on purpose (eventsourcing and SQLAlchemy are synchronous); the worker runs them in
a thread pool. Every write passes a command id, so an activity retried after its commit
appends nothing and answers with the state the event store holds. Domain refusals leave as
non-retryable `ApplicationError`s named after the domain error (see refusals.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.errors import InvalidInput
from domain.journey.aggregate import Journey
from domain.journey.rules import next_action
from domain.journey.state import JourneyState, Stage
from domain.journey.steps import Correction
from domain.personal import ERASED
from domain.policies import PolicyTerms, in_force
from domain.recorded import RecordedAggregate
from domain.trainer.aggregate import Trainer
from domain.trainer.state import TrainerState
from domain.values import Role
from service.app.certification import Certification, Result
from service.app.notifications import Notifier
from service.app.policies import CONFIGURED, inactivity_at, policy_at
from service.telemetry.metrics import MESSAGES_SENT, REMINDERS_SENT
from workflows.mail import mail_for
from workflows.messages import (
    ActivityName,
    ActivityReminderCommand,
    DelistingCommand,
    EnrolCommand,
    JourneyOutcome,
    JourneyStepCommand,
    MailCommand,
    PolicyFrom,
    PolicyQuery,
    PolicySchedule,
    ReminderPolicy,
    StallReminderCommand,
    StandingStepCommand,
    TrainerOutcome,
)
from workflows.refusals import refusing


def _reminder_policy(version: int, terms: PolicyTerms) -> ReminderPolicy:
    return ReminderPolicy(
        terms.stall_after_days, terms.reminder_months, version, terms.inactive_after_months
    )


class CertificationActivities:
    def __init__(
        self,
        certification: Certification,
        notifier: Notifier,
        policy: ReminderPolicy | None = None,
        office_email: str | None = None,
        language_of: Callable[[str], str | None] | None = None,
    ) -> None:
        self.app = certification
        self.notifier = notifier
        self.policy = policy  # as configured for this worker; None: runs keep theirs
        self.office_email = office_email
        # A trainer's (or expert's) chosen language, by trainer id (their login's); None: none.
        self.language_of = language_of

    def all(self) -> Sequence[Callable[..., Any]]:
        return [
            self.enrol,
            self.take_journey_step,
            self.remind_stalled_journey,
            self.read_journey,
            self.read_trainer,
            self.read_policy,
            self.policy_in_force,
            self.policy_schedule,
            self.take_standing_step,
            self.remind_inactive_trainer,
            self.delist_inactive_trainer,
            self.send_mail,
        ]

    # -- journeys ----------------------------------------------------------------------------

    @activity.defn(name=ActivityName.ENROL)
    def enrol(self, command: EnrolCommand) -> JourneyOutcome:
        with refusing():
            module = self.app.workshop(command.workshop_id).plan.module
            if module is not command.module:
                raise InvalidInput(
                    f"Workshop {command.workshop_id} teaches {module.value}, "
                    f"not {command.module.value}."
                )
            result = self.app.enrol(
                command.trainer_id, command.workshop_id, command.actor, command.command_id,
                command.at, command.journey_id, backdated_reason=command.backdated_reason,
            )  # fmt: skip
        return JourneyOutcome(self._latest_journey(result))

    @activity.defn(name=ActivityName.TAKE_JOURNEY_STEP)
    def take_journey_step(self, command: JourneyStepCommand) -> JourneyOutcome:
        with refusing():
            result = self.app.take_step(
                command.journey_id, command.step, command.actor, command.command_id, command.at
            )
        journey = self._latest_journey(result)
        if isinstance(command.step, Correction):  # never ends a journey: no standing to start
            return JourneyOutcome(journey)
        return self._outcome(journey)

    @activity.defn(name=ActivityName.REMIND_STALLED_JOURNEY)
    def remind_stalled_journey(self, command: StallReminderCommand) -> JourneyOutcome:
        with refusing():
            journey = self.app.journey(command.journey_id)
            recipients = [
                self.app.trainer(journey.trainer_id).email,
                self.app.trainer(journey.expert_id).email,
            ]
            if self.office_email and next_action(journey).who is Role.HQ:
                recipients.append(self.office_email)  # only the office can take this step
            recipients = [r for r in recipients if r != ERASED]  # erased on request: no mail
            result = self.app.remind_stalled_journey(
                command.journey_id,
                recipients,
                command.command_id,
                command.at,
                timedelta(days=command.stall_after_days),
                command.policy_version,
            )
        if not result.duplicate:
            REMINDERS_SENT.labels("stall").inc()
        return JourneyOutcome(self._latest_journey(result))

    @activity.defn(name=ActivityName.READ_JOURNEY)
    def read_journey(self, journey_id: str) -> JourneyOutcome:
        """The journey as the store has it, given as a step gives it."""
        with refusing():
            return self._outcome(self.app.journey(journey_id))

    def _outcome(self, journey: JourneyState) -> JourneyOutcome:
        """A certified journey comes with its trainer, whose standing the workflow starts."""
        if journey.stage is Stage.CERTIFIED:
            return JourneyOutcome(journey, self.read_trainer(journey.trainer_id))
        return JourneyOutcome(journey)

    def _latest_journey(self, result: Result[JourneyState]) -> JourneyState:
        """A repeated command answers with the state it produced then; the workflow needs now."""
        if result.duplicate:
            return self.app.journey(result.state.journey_id)
        return result.state

    # -- standing ----------------------------------------------------------------------------

    @activity.defn(name=ActivityName.READ_POLICY)
    def read_policy(self, current: ReminderPolicy) -> ReminderPolicy:
        """The reminder policy configured now, for a run about to continue as new (a
        recorded version in force is applied by the run itself: `policy_in_force`)."""
        return self.policy or current

    @activity.defn(name=ActivityName.POLICY_IN_FORCE)
    def policy_in_force(self, query: PolicyQuery) -> ReminderPolicy:
        """The recorded version in force at the workflow's moment, else the run's own."""
        current = query.current
        terms = PolicyTerms(
            current.reminder_months, current.stall_after_days, current.inactive_after_months
        )
        version, terms = policy_at(self.app, query.at, terms)
        if version == CONFIGURED:
            return current
        return _reminder_policy(version, terms)

    @activity.defn(name=ActivityName.POLICY_SCHEDULE)
    def policy_schedule(self, query: PolicyQuery) -> PolicySchedule:
        """The version in force at the workflow's moment (else the run's own), and every
        version recorded to apply later: a journey's stall clock follows each from its own
        moment, without waiting to hear of it."""
        versions = self.app.policy_versions()  # read once, for both
        version = in_force(versions, query.at)
        now = query.current if version is None else _reminder_policy(version.number, version.terms)
        later = sorted(
            (v for v in versions if v.applies_from > query.at),
            key=lambda v: (v.applies_from, v.number),
        )
        return PolicySchedule(
            now,
            tuple(PolicyFrom(v.applies_from, _reminder_policy(v.number, v.terms)) for v in later),
        )

    @activity.defn(name=ActivityName.READ_TRAINER)
    def read_trainer(self, trainer_id: str) -> TrainerOutcome:
        position = self.app.recorder.max_notification_id() or 0
        with refusing():
            return TrainerOutcome(self.app.trainer(trainer_id), position)

    @activity.defn(name=ActivityName.TAKE_STANDING_STEP)
    def take_standing_step(self, command: StandingStepCommand) -> TrainerOutcome:
        with refusing():
            result = self.app.take_standing_step(
                command.trainer_id,
                command.step,
                command.actor,
                command.command_id,
                command.at,
                inactivity_at(self.app, command.at),
            )
        return self._latest_trainer(result)

    @activity.defn(name=ActivityName.REMIND_INACTIVE_TRAINER)
    def remind_inactive_trainer(self, command: ActivityReminderCommand) -> TrainerOutcome:
        with refusing():
            result = self.app.remind_inactive_trainer(
                command.trainer_id,
                command.months,
                command.command_id,
                command.at,
                command.policy_version,
                command.inactive_after_months,
            )
        if not result.duplicate:
            REMINDERS_SENT.labels("activity").inc()
        return self._latest_trainer(result)

    @activity.defn(name=ActivityName.DELIST_INACTIVE_TRAINER)
    def delist_inactive_trainer(self, command: DelistingCommand) -> TrainerOutcome:
        with refusing():
            result = self.app.delist_inactive_trainer(
                command.trainer_id, command.command_id, command.at, command.inactivity
            )
        return self._latest_trainer(result)

    def _latest_trainer(self, result: Result[TrainerState]) -> TrainerOutcome:
        if result.duplicate:
            return self.read_trainer(result.state.trainer_id)
        return TrainerOutcome(result.state, result.position)

    # -- messages ----------------------------------------------------------------------------

    def _languages(self, aggregate: RecordedAggregate) -> dict[str, str]:
        """The chosen language of each person the aggregate's messages may go to, by e-mail
        address as their record has it now (a recipient not found reads English)."""
        if self.language_of is None:
            return {}
        match aggregate:
            case Journey():
                people = [aggregate.state.trainer_id, aggregate.state.expert_id]
            case Trainer():
                people = [aggregate.state.trainer_id]
            case _:
                people = []
        chosen: dict[str, str] = {}
        for trainer_id in people:
            if language := self.language_of(trainer_id):
                chosen[self.app.trainer(trainer_id).email] = language
        return chosen

    @activity.defn(name=ActivityName.SEND_MAIL)
    def send_mail(self, command: MailCommand) -> int:
        """Send the messages of the event `command_id` recorded; returns how many went out now."""
        aggregate_id = UUID(command.aggregate_id)
        aggregate: RecordedAggregate = self.app.repository.get(aggregate_id)
        version = aggregate.version_after(command.command_id)
        if version is None:
            raise ApplicationError(
                f"No event of {aggregate_id} was recorded by command {command.command_id}.",
                non_retryable=True,
            )
        (event,) = self.app.events.get(aggregate_id, gt=version - 1, lte=version)
        assert isinstance(event, RecordedAggregate.Event)
        messages = mail_for(event, aggregate, self._languages(aggregate))
        sent = sum(self.notifier.send(message) for message in messages)
        MESSAGES_SENT.inc(sent)
        return sent
