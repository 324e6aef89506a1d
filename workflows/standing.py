"""TrainerStanding: a certified trainer's yearly activity clock, for as long as it lasts.

Each training record (an update) restarts the clock; reminders go out at the policy's
thresholds and the trainer is delisted when its inactivity period (12 months unless a policy
version says otherwise) runs out, each recorded as a domain event, naming the policy
version, before its mail goes out. The programme office removes for cause and reinstates
through the same update. The run continues-as-new at least once a year, so its history
stays small however many decades the standing lasts.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import FailureError

from workflows import calls
from workflows.clock import ClockEvent, next_clock_event
from workflows.gate import Answers, StepGate, command_id

with workflow.unsafe.imports_passed_through():
    from domain.trainer import rules
    from domain.trainer.state import TrainerState
    from workflows.messages import (
        ActivityReminderCommand,
        DelistingCommand,
        StandingInput,
        StandingStepCommand,
        StandingStepRequest,
        TrainerOutcome,
    )
    from workflows.refusals import refusing

RENEW_EVERY = timedelta(days=365)
RETRY_REFUSED_CLOCK_EVENT_AFTER = timedelta(days=1)
# A policy version recorded while a standing sleeps reaches it within this long.
POLICY_CHECK_EVERY = timedelta(days=7)


@workflow.defn
class TrainerStanding:
    @workflow.init
    def __init__(self, standing: StandingInput) -> None:
        self.input = standing
        self.trainer = standing.trainer
        self.gate = StepGate()
        self.answers: Answers[TrainerState] = Answers()
        self.mail = calls.MailQueue()

    @workflow.run
    async def run(self, standing: StandingInput) -> None:
        self.mail.send_all(standing.unsent_mail)
        if self.trainer is None:
            self.trainer = await calls.read_trainer(standing.trainer_id)
        renew_at = workflow.now() + RENEW_EVERY
        while not (self.gate.continue_as_new_due() or workflow.now() >= renew_at):
            wake_by = renew_at
            if workflow.patched(calls.POLICY_IN_FORCE):  # each wake-up judges by today's policy
                self.input = replace(self.input, policy=await calls.policy_now(self.input.policy))
                wake_by = min(renew_at, workflow.now() + POLICY_CHECK_EVERY)
            policy = self.input.policy
            due = next_clock_event(
                self._state, policy.reminder_months, workflow.now(), policy.inactive_after_months
            )
            if due is not None and due.at <= workflow.now():
                await self._record(due)
            else:
                await self._wait_until(min(due.at, wake_by) if due else wake_by)
        await self.gate.close_for_renewal()
        if self.gate.state_unsure:  # the next run trusts what it is given: give it the store's
            await self._read_again()
        policy = await calls.read_policy(self.input.policy)  # a new version may apply
        unsent = await self.mail.hand_over()
        renewed = replace(standing, policy=policy, trainer=self.trainer, unsent_mail=unsent)
        workflow.continue_as_new(renewed)

    @workflow.query
    def state(self) -> TrainerState | None:
        return self.trainer.state if self.trainer else None

    @workflow.signal
    def refresh(self, trainer: TrainerOutcome) -> None:
        """A change made elsewhere (a later module certified); kept if it is newer."""
        if self.trainer is None or trainer.position > self.trainer.position:
            self.trainer = trainer

    # -- steps -------------------------------------------------------------------------------

    @workflow.update
    async def take_step(self, request: StandingStepRequest) -> TrainerState:
        async with self.gate.step():
            answered = self.answers.get(request.command_id)
            if answered is not None:
                return answered
            validated = self.trainer is not None
            await workflow.wait_condition(lambda: self.trainer is not None)
            if not validated:
                # Only when the validator had no state to judge by: handlers run again on
                # replay, so a check here would replay recorded steps against today's rules.
                self._check(request)
            command = StandingStepCommand(
                self.input.trainer_id,
                request.step,
                request.actor,
                command_id(request.command_id),
                workflow.now(),
            )
            try:
                self.trainer = await calls.take_standing_step(command)
            except FailureError:
                await self._read_again()
                raise
            self.gate.state_unsure = False
            self.answers.keep(command.command_id, self.trainer.state)
            return self.trainer.state

    @take_step.validator
    def _check_step(self, request: StandingStepRequest) -> None:
        self.gate.check_free()
        if self.answers.get(request.command_id) is not None:
            return  # sent again: the handler gives the first answer
        if self.trainer is not None:  # a standing started by hand reads its state first
            self._check(request)

    def _check(self, request: StandingStepRequest) -> None:
        if self.gate.state_unsure:
            return  # the activity's domain judges it against the event store
        with refusing():
            rules.check_standing_step(
                self._state,
                request.step,
                request.actor,
                workflow.now(),
                self.input.policy.inactivity,
            )

    async def _read_again(self) -> None:
        trainer_id = self.input.trainer_id
        read = await self.gate.read_again(
            lambda: calls.read_trainer_now(trainer_id), f"Trainer {trainer_id}"
        )
        if read is not None:
            self.trainer = read

    @property
    def _state(self) -> TrainerState:
        assert self.trainer is not None, "used before the trainer was read"
        return self.trainer.state

    # -- the clock ---------------------------------------------------------------------------

    async def _wait_until(self, moment: datetime) -> None:
        """Until `moment`, or until the state changes (a step, a refresh) and plans change."""
        trainer = self.trainer
        with suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: self.trainer is not trainer or self.gate.continue_as_new_due(),
                timeout=moment - workflow.now(),
            )

    async def _record(self, due: ClockEvent) -> None:
        trainer_id = self.input.trainer_id
        async with self.gate.lock:
            standing = self._state.standing
            assert standing is not None, "a clock event needs a standing"
            command_id = due.command_id(trainer_id, standing.clock_started_at)
            recorded = await self._try_recording(due, command_id)
        if recorded:
            self.mail.send(trainer_id, command_id)
        else:
            # The store disagreed with this run's state; with the state read again, wait a
            # day (or for the next change) so that a lasting disagreement cannot spin.
            await self._wait_until(workflow.now() + RETRY_REFUSED_CLOCK_EVENT_AFTER)

    async def _try_recording(self, due: ClockEvent, command_id: str) -> bool:
        trainer_id, now = self.input.trainer_id, workflow.now()
        try:
            policy = self.input.policy
            if due.months is None:
                command = DelistingCommand(
                    trainer_id, command_id, now, policy.version, policy.inactive_after_months
                )
                self.trainer = await calls.delist_inactive_trainer(command)
            else:
                reminder = ActivityReminderCommand(
                    trainer_id,
                    due.months,
                    command_id,
                    now,
                    policy.version,
                    policy.inactive_after_months,
                )
                self.trainer = await calls.remind_inactive_trainer(reminder)
        except FailureError as error:
            workflow.logger.warning("Clock event %s refused: %s", command_id, error)
            self.trainer = await calls.read_trainer(trainer_id)
            return False
        return True
