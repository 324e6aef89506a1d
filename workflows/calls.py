"""How the workflows call their activities: by name, with typed results and chosen options.

Human steps run as local activities: the person is waiting, and a local activity saves a
round trip through the server (~3 ms instead of ~10 ms and more, docs/workflows.md). Timer
work (reminders, delisting) and mail run as regular activities: nobody waits on them, and
their retries are then kept by the server for as long as an outage lasts.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from datetime import timedelta
from typing import Any, TypeVar, cast

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from domain.errors import ERROR_TYPES
from workflows.messages import (
    ActivityName,
    ActivityReminderCommand,
    DelistingCommand,
    EnrolCommand,
    JourneyOutcome,
    JourneyStepCommand,
    MailCommand,
    PolicyQuery,
    PolicySchedule,
    ReminderPolicy,
    StallReminderCommand,
    StandingStepCommand,
    TrainerOutcome,
)
from workflows.refusals import refusal_behind

T = TypeVar("T")

REFUSALS = list(ERROR_TYPES)

STEP_OPTIONS: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=10),
    "schedule_to_close_timeout": timedelta(minutes=1),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(milliseconds=200),
        maximum_interval=timedelta(seconds=5),
        non_retryable_error_types=REFUSALS,
    ),
}
CLOCK_OPTIONS: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(
        maximum_interval=timedelta(minutes=10), non_retryable_error_types=REFUSALS
    ),
}
MAIL_OPTIONS: dict[str, Any] = {
    "start_to_close_timeout": timedelta(minutes=1),
    "schedule_to_close_timeout": timedelta(days=7),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(hours=1)),
}


async def _local(name: str, command: object, result_type: type[T]) -> T:
    try:
        result = await workflow.execute_local_activity(
            name, command, result_type=result_type, **STEP_OPTIONS
        )
    except ActivityError as error:
        _raise_refusal_behind(error)
        raise
    return cast(T, result)


async def _regular(name: str, command: object, result_type: type[T]) -> T:
    try:
        result = await workflow.execute_activity(
            name, command, result_type=result_type, **CLOCK_OPTIONS
        )
    except ActivityError as error:
        _raise_refusal_behind(error)
        raise
    return cast(T, result)


def _raise_refusal_behind(error: ActivityError) -> None:
    """A refused command fails the update with the domain's own type and reason."""
    refused = refusal_behind(error)
    if refused is not None:
        raise refused from None


async def enrol(command: EnrolCommand) -> JourneyOutcome:
    return await _local(ActivityName.ENROL, command, JourneyOutcome)


async def take_journey_step(command: JourneyStepCommand) -> JourneyOutcome:
    return await _local(ActivityName.TAKE_JOURNEY_STEP, command, JourneyOutcome)


async def take_standing_step(command: StandingStepCommand) -> TrainerOutcome:
    return await _local(ActivityName.TAKE_STANDING_STEP, command, TrainerOutcome)


async def read_journey(journey_id: str) -> JourneyOutcome:
    return await _local(ActivityName.READ_JOURNEY, journey_id, JourneyOutcome)


async def remind_stalled_journey(command: StallReminderCommand) -> JourneyOutcome:
    return await _regular(ActivityName.REMIND_STALLED_JOURNEY, command, JourneyOutcome)


async def remind_inactive_trainer(command: ActivityReminderCommand) -> TrainerOutcome:
    return await _regular(ActivityName.REMIND_INACTIVE_TRAINER, command, TrainerOutcome)


async def delist_inactive_trainer(command: DelistingCommand) -> TrainerOutcome:
    return await _regular(ActivityName.DELIST_INACTIVE_TRAINER, command, TrainerOutcome)


async def read_trainer(trainer_id: str) -> TrainerOutcome:
    return await _regular(ActivityName.READ_TRAINER, trainer_id, TrainerOutcome)


async def read_policy(current: ReminderPolicy) -> ReminderPolicy:
    """The reminder policy configured now, for the next run; the current one before this
    change (runs in flight) keeps theirs."""
    if not workflow.patched(POLICY_AT_RENEWAL):
        return current
    return await _local(ActivityName.READ_POLICY, current, ReminderPolicy)


async def policy_now(current: ReminderPolicy) -> ReminderPolicy:
    """The recorded policy version in force now (it applies from its own moment), else the
    run's own (a change of configuration still waits for the yearly renewal)."""
    query = PolicyQuery(current, workflow.now())
    return await _local(ActivityName.POLICY_IN_FORCE, query, ReminderPolicy)


async def policy_schedule(current: ReminderPolicy) -> PolicySchedule:
    """The policy in force now (else the run's own) and the versions recorded to apply later.
    A regular activity: the stall clock it serves has nobody waiting, and an outage of the
    store then only delays it (a local activity would give up after a minute)."""
    query = PolicyQuery(current, workflow.now())
    return await _regular(ActivityName.POLICY_SCHEDULE, query, PolicySchedule)


async def read_trainer_now(trainer_id: str) -> TrainerOutcome:
    """For an update handler, whose caller is waiting: bounded like a step, not retried for
    as long as an outage lasts."""
    return await _local(ActivityName.READ_TRAINER, trainer_id, TrainerOutcome)


# Guards reading the configured reminder policy when a run continues as new.
POLICY_AT_RENEWAL = "policy-at-renewal"
# Guards reading the policy version in force at each wake-up of a standing, for runs in flight.
POLICY_IN_FORCE = "policy-in-force"
# Guards a journey's stall clock following the recorded policy versions, for runs in flight
# (they keep the configured stall period until they continue as new).
STALL_POLICY_IN_FORCE = "stall-policy-in-force"
# Guards handing unsent mail to the next run (workflow.patched), for runs already in flight.
HAND_OVER_UNSENT_MAIL = "hand-over-unsent-mail"
# How long a run that is about to continue as new waits for its mail before handing it over.
MAIL_HAND_OVER_AFTER = timedelta(minutes=1)


class MailQueue:
    """Mail goes out in the background, so that an SMTP outage never delays a timer."""

    def __init__(self) -> None:
        self._sending: list[tuple[MailCommand, workflow.ActivityHandle[int]]] = []

    def send(self, aggregate_id: str, command_id: str) -> None:
        self.send_all([MailCommand(aggregate_id, command_id)])

    def send_all(self, commands: Sequence[MailCommand]) -> None:
        self._sending = [(c, handle) for c, handle in self._sending if not handle.done()]
        for command in commands:
            handle = workflow.start_activity(
                ActivityName.SEND_MAIL, command, result_type=int, **MAIL_OPTIONS
            )
            self._sending.append((command, handle))

    async def drain(self) -> None:
        """Wait for every message in flight: before the end of a run."""
        sending, self._sending = self._sending, []
        for _, handle in sending:
            await _settled(handle)

    async def hand_over(self) -> tuple[MailCommand, ...]:
        """Before continue-as-new: wait a little for the mail in flight, and return what is
        still unsent for the next run to send, so that an SMTP outage cannot hold the next
        run's timers back (runs started before this change drain, as they did)."""
        if not workflow.patched(HAND_OVER_UNSENT_MAIL):
            await self.drain()
            return ()
        with suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: all(handle.done() for _, handle in self._sending),
                timeout=MAIL_HAND_OVER_AFTER,
            )
        sending, self._sending = self._sending, []
        for _, handle in sending:
            if handle.done():
                await _settled(handle)
        return tuple(command for command, handle in sending if not handle.done())


async def _settled(handle: workflow.ActivityHandle[int]) -> None:
    try:
        await handle
    except ActivityError as error:
        # The reminder itself is recorded in the event store; only its mail is lost.
        workflow.logger.warning("Mail for %s not sent: %s", handle, error.cause)
