"""CertificationJourney: one candidate's journey in one module, from enrolment to its end.

Steps arrive as updates and wait their turn (`workflows/gate.py`: up to eight at once),
applied one after another in the order admitted. A step with none ahead of it is judged by
its validator on the state the event store last returned, so a refused step is answered
with the domain's reason and written nowhere; a step that waited is judged by the domain in
its activity, on the state the step before it left. One exception: the validator cannot read
the policy, so it judges a classroom workshop's participants only by the ceiling no policy
version may exceed; a count within that ceiling but above the limit in force is refused by
the activity (`too_many_participants`), which leaves the update in the workflow's history but
writes no event. An accepted step is applied by an
activity whose command id is the caller's request id. While the journey waits on a step longer
than the stall period in force, its candidate and expert are reminded, once per stall.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import FailureError

from workflows import calls
from workflows.followups import start_or_refresh_standing
from workflows.gate import QUEUED_STEPS, Answers, StepGate, command_id

with workflow.unsafe.imports_passed_through():
    from domain.errors import JourneyAlreadyOpen, JourneyClosed, TryAgain
    from domain.journey import rules
    from domain.journey.state import JourneyState
    from domain.journey.steps import Correction
    from workflows.messages import (
        EnrolCommand,
        EnrolRequest,
        JourneyInput,
        JourneyStepCommand,
        PolicySchedule,
        StallReminderCommand,
        StepRequest,
    )
    from workflows.refusals import refusal, refusing

ENROLLING = "The journey is still being enrolled; try again in a moment."

# A workflow started without its enrolment update (not through update-with-start) ends.
ENROLMENT_WINDOW = timedelta(hours=1)
# While a stall reminder is pending, the policy is read again at least this often (as the
# standing's POLICY_CHECK_EVERY), so that a version recorded to apply sooner than that reaches
# the journey within it (one recorded a week or more ahead is known in advance and followed
# from its very moment). Each such wake costs the history 11 events (below).
STALL_POLICY_CHECK_EVERY = timedelta(days=7)


@workflow.defn
class CertificationJourney:
    @workflow.init
    def __init__(self, journey: JourneyInput) -> None:
        self.input = journey
        self.journey = journey.state
        self.gate = StepGate()
        self.answers: Answers[JourneyState] = Answers()
        self.mail = calls.MailQueue()
        self.enrolment_failed = False
        self.stall_given_up_at: datetime | None = None  # a stall whose reminder was refused
        # The stall periods of the recorded policy versions, as last read; None in runs
        # started before they were followed (the configured period, `input.policy`).
        self.schedule: PolicySchedule | None = None
        self.woke_by_timer = False  # the last sleep ran its full time

    @workflow.run
    async def run(self, journey: JourneyInput) -> JourneyState | None:
        self.mail.send_all(journey.unsent_mail)
        if not await self._enrolled():
            return None
        while self._journey.is_open:
            if self.gate.continue_as_new_due():
                await self._continue_as_new()
            if workflow.patched(calls.STALL_POLICY_IN_FORCE):
                await self._follow_stall_policy()
                continue
            due = self._stall_reminder_due()
            if due is not None and due <= workflow.now():
                await self._remind_stall()
            else:
                await self._sleep_until(due)
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self.mail.drain()
        return self._journey

    @workflow.query
    def state(self) -> JourneyState | None:
        return self.journey

    # -- enrolment ---------------------------------------------------------------------------

    @workflow.update
    async def enrol(self, request: EnrolRequest) -> JourneyState:
        async with self.gate.step():
            answered = self.answers.get(request.command_id)
            if answered is not None:  # sent again, its first answer lost on the way
                return answered
            if workflow.patched(QUEUED_STEPS) and self.journey is not None:
                raise refusal(self._already_open())  # an enrolment that waited behind another
            command = EnrolCommand(
                self.input.trainer_id,
                self.input.module,
                request.workshop_id,
                request.actor,
                command_id(request.command_id),
                workflow.now(),
                # Data only: the same activity is called, so recorded histories replay.
                backdated_reason=request.backdated_reason,
                journey_id=self.input.journey_id,
            )
            try:
                self.journey = (await calls.enrol(command)).journey
            except Exception:
                # This run ends: nothing was written, or (the activity's retries ran out after
                # its commit) the journey waits for a sending of the same request to adopt it.
                self.enrolment_failed = True
                raise
            self.answers.keep(command.command_id, self.journey)
            return self.journey

    @enrol.validator
    def _check_enrol(self, request: EnrolRequest) -> None:
        self.gate.check_room()
        if self.answers.get(request.command_id) is not None:
            return  # sent again: the handler gives the first answer
        if self.journey is not None and not self.journey.is_open:
            # This run is only waiting for its last messages to go out (an SMTP outage can
            # make that last); once it ends, the next enrolment starts a new run.
            raise refusal(
                TryAgain(
                    f"The candidate's previous {self.input.module.value} journey has just ended "
                    "and is still sending its last messages; send the enrolment again later."
                )
            )
        if self.journey is not None:
            raise refusal(self._already_open())
        if self.enrolment_failed:
            # This run ends with its refused enrolment; the next sending starts a new run.
            raise refusal(TryAgain("The enrolment was refused just now; send it again."))

    def _already_open(self) -> JourneyAlreadyOpen:
        return JourneyAlreadyOpen(
            f"This candidate already has an open {self.input.module.value} journey "
            f"({self.journey.journey_id if self.journey else 'being enrolled'}); "
            "finish or withdraw it first."
        )

    async def _enrolled(self) -> bool:
        """Wait for the enrolment; a refused (or missing) one ends the run with no trace."""
        try:
            await workflow.wait_condition(
                lambda: self.journey is not None or self.enrolment_failed,
                timeout=ENROLMENT_WINDOW,
            )
        except TimeoutError:
            return False
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.journey is not None

    # -- steps -------------------------------------------------------------------------------

    @workflow.update
    async def take_step(self, request: StepRequest) -> JourneyState:
        async with self.gate.step():
            answered = self.answers.get(request.command_id)
            if answered is not None:
                return answered
            if self.journey is None:  # it waited behind an enrolment that was refused
                raise refusal(TryAgain(ENROLLING))
            # A step that waited is judged by the activity's domain, on the store's state the
            # step before it left. Not here: handlers run again on replay, and a rule changed
            # later would then refuse a recorded step and break every run in flight.
            command = JourneyStepCommand(
                self._journey.journey_id,
                request.step,
                request.actor,
                command_id(request.command_id),
                workflow.now(),
            )
            try:
                outcome = await calls.take_journey_step(command)
            except FailureError:
                await self._read_again(command.journey_id)
                raise
            self.journey, self.gate.state_unsure = outcome.journey, False
            if outcome.trainer is not None:
                # Before answering, so that a certified trainer's standing exists once the
                # caller hears of the certificate.
                await start_or_refresh_standing(self.input, outcome.trainer)
            self.answers.keep(command.command_id, outcome.journey)
            return outcome.journey

    @take_step.validator
    def _check_step(self, request: StepRequest) -> None:
        self.gate.check_room()
        if self.answers.get(request.command_id) is not None:
            return  # sent again: the handler gives the first answer
        if self.gate.nothing_ahead:  # the state it will meet is known: refuse it untraced
            with refusing():
                self._judge(request)

    def _judge(self, request: StepRequest) -> None:
        """Raise the domain's refusal of the step on the state it will be applied to (for the
        validator only: validators do not run on replay)."""
        if self.journey is None:
            raise TryAgain(ENROLLING)
        if request.journey_id not in (None, self.journey.journey_id):
            raise JourneyClosed(
                f"Journey {request.journey_id} has ended; the candidate's current "
                f"{self.journey.module.value} journey is {self.journey.journey_id}."
            )
        if isinstance(request.step, Correction) and not self.journey.recorded:
            return  # a state carried from before corrections keeps no steps: the store judges
        if not self.gate.state_unsure:
            # A term of the policy (the participant limit) is judged here only by the ceiling
            # no version may exceed; within it, by the activity's application, which reads
            # the version in force at the step's moment.
            rules.check(self.journey, request.step, request.actor, limit_at=rules.limit_ceiling)

    async def _read_again(self, journey_id: str) -> None:
        read = await self.gate.read_again(
            lambda: calls.read_journey(journey_id), f"Journey {journey_id}"
        )
        if read is None:
            return
        self.journey = read.journey
        if read.trainer is not None:  # a certification saved before its activity failed
            await start_or_refresh_standing(self.input, read.trainer)

    @property
    def _journey(self) -> JourneyState:
        assert self.journey is not None, "used before enrolment"
        return self.journey

    # -- stall reminders ---------------------------------------------------------------------

    # A change of the stall period (a recorded policy version) reaches a journey from the
    # moment it applies. The workflow holds the versions known when it last read the policy
    # (`PolicySchedule`: the one in force and those recorded to apply later), and the
    # reminder is due at the first moment the journey has waited for the period in force at
    # that very moment: a longer period pushes it back, a shorter one brings it forward to
    # the version's own date if the journey has waited that long already. It reads them again
    # right before reminding (never before the period in force ran out) and whenever a timer
    # wakes it with a reminder pending, which is at least every STALL_POLICY_CHECK_EVERY: a
    # version recorded after its last reading reaches it within that. Reading, rather than
    # being told: a signal from the recording to every running journey would be lost for any
    # journey it failed to reach (a crash between the two writes, a worker down), and would
    # need a list of them; the reading is an activity in the history, so it replays as it
    # ran. It has a cost: a reminder is pending from each step until the reminder goes out
    # (the whole of an ordinary wait), and each wake in that time adds 11 events to the
    # history (the timer fired; a workflow task, 3 events; the activity scheduled, started,
    # completed; a workflow task, 3; the next timer started): about one wake a week, so a
    # 60-day stall about 9. Nothing is read once the reminder went out, until the next step.

    def _stall_reminder_due(self) -> datetime | None:
        """When the current stall's reminder is due; None once it was sent (or refused)."""
        journey = self._journey
        if journey.last_step_at in (journey.stall_reminded_for, self.stall_given_up_at):
            return None
        if self.schedule is None:
            return journey.last_step_at + self.input.policy.stall_after
        return self.schedule.stall_reminder_due(journey.last_step_at)

    async def _follow_stall_policy(self) -> None:
        """One turn of the stall clock by the policy in force: with a reminder pending, read
        the policy when a timer woke the run or the reminder looks due by what it holds (so
        always right before reminding); then remind if due, else sleep until it is due or the
        policy is to be read again. Not when a step or the enrolment woke it: the step's
        answer adds nothing to the history after it, and the timer set then fires within
        STALL_POLICY_CHECK_EVERY, or when the reminder looks due, and reads it then."""
        due = self._stall_reminder_due()
        if due is not None and (self.woke_by_timer or due <= workflow.now()):
            self.schedule = await calls.policy_schedule(self.input.policy)
            due = self._stall_reminder_due()
        if due is not None and due <= workflow.now():
            await self._remind_stall()
            self.woke_by_timer = False
        elif due is None:
            self.woke_by_timer = await self._sleep_until(None)
        else:
            check_by = workflow.now() + STALL_POLICY_CHECK_EVERY
            self.woke_by_timer = await self._sleep_until(min(due, check_by))

    async def _sleep_until(self, due: datetime | None) -> bool:
        """Until the reminder is due, the journey closes, or a new stall needs a timer;
        whether it slept until `due`.

        A step does not wake this: it only moves the due date later, which the loop sees
        when the timer fires. So steps add no timer commands to the history.
        """
        try:
            await workflow.wait_condition(
                lambda: (
                    not self._journey.is_open
                    or self.gate.continue_as_new_due()
                    or (due is None and self._stall_reminder_due() is not None)
                ),
                timeout=None if due is None else due - workflow.now(),
            )
        except TimeoutError:
            return True
        return False

    async def _remind_stall(self) -> None:
        async with self.gate.lock:
            journey, due = self._journey, self._stall_reminder_due()
            if due is None or due > workflow.now():
                return  # a step arrived meanwhile: no longer stalled
            command_id = f"stall-reminder/{journey.journey_id}/{journey.last_step_at.isoformat()}"
            # The version in force now, of those known when the policy was last read (one
            # recorded to apply later may have started since).
            now = workflow.now()
            policy = self.input.policy if self.schedule is None else self.schedule.in_force_at(now)
            command = StallReminderCommand(
                journey.journey_id,
                command_id,
                now,
                policy.stall_after_days,
                policy.version,
            )
            try:
                self.journey = (await calls.remind_stalled_journey(command)).journey
            except FailureError as error:
                workflow.logger.warning("Stall reminder refused: %s", error)
                self.stall_given_up_at = journey.last_step_at
                return
        self.mail.send(journey.journey_id, command_id)

    async def _continue_as_new(self) -> None:
        await self.gate.close_for_renewal()
        if self.gate.state_unsure:  # the next run trusts what it is given: give it the store's
            await self._read_again(self._journey.journey_id)
        policy = await calls.read_policy(self.input.policy)  # settings may have changed
        unsent = await self.mail.hand_over()
        renewed = replace(self.input, policy=policy, state=self._journey, unsent_mail=unsent)
        workflow.continue_as_new(renewed)
