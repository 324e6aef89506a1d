"""The client side: what the HTTP API calls to enrol candidates and take steps.

A refused step raises the domain's own error class again (from `domain.errors.ERROR_TYPES`),
so the API maps it by `kind` exactly as it maps refusals of the application layer. Anything
else that stops a step (Temporal unreachable, a timeout) raises `StepNotRecorded`: sending
the same request id again is safe, because the request id is the command id.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta

import structlog
from temporalio.client import (
    Client,
    RPCTimeoutOrCancelledError,
    WithStartWorkflowOperation,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError, RPCStatusCode

from domain.errors import DomainError, JourneyClosed, NotFound
from domain.journey import rules
from domain.journey.state import JourneyState
from domain.journey.steps import JourneyStep
from domain.trainer.state import TrainerState
from domain.trainer.steps import StandingStep
from domain.values import Actor, Module
from service.settings import Settings
from workflows import journey_workflow_id, standing_workflow_id
from workflows.journey import CertificationJourney
from workflows.messages import (
    EnrolRequest,
    JourneyInput,
    ReminderPolicy,
    StandingInput,
    StandingStepRequest,
    StepRequest,
    TrainerOutcome,
)
from workflows.refusals import domain_error_in
from workflows.standing import TrainerStanding

# A person waits on the answer: past this, say "send it again" (the same request id is safe)
# rather than hold the request open while Temporal or the worker is down.
STEP_TIMEOUT = timedelta(seconds=30)

log = structlog.get_logger(__name__)


@contextmanager
def step_logged(workflow_id: str, command_id: str, update: str) -> Iterator[None]:
    """Bind the step's workflow id and command id to every log line written while it is
    sent (the activity that records it binds the same two, so one search finds both)."""
    with structlog.contextvars.bound_contextvars(workflow_id=workflow_id, command_id=command_id):
        log.info("step sent to its workflow", update=update)
        yield


class StepNotRecorded(Exception):
    """Temporal could not take the step (unreachable, timed out); send it again, same id."""


class NoJourneyWorkflow(NotFound):
    """No workflow runs the journey under the id asked for, and none ended holding it."""


def reminder_policy(settings: Settings) -> ReminderPolicy:
    months = tuple(sorted(set(settings.reminder_months)))
    if not all(0 < m < 12 for m in months) or settings.stall_reminder_after_days < 1:
        raise ValueError(
            "Reminder months must lie between 1 and 11, and the stall period be at least a "
            f"day; got {settings.reminder_months} and {settings.stall_reminder_after_days}."
        )
    return ReminderPolicy(settings.stall_reminder_after_days, months)


class JourneyGateway:
    def __init__(self, client: Client, task_queue: str, policy: ReminderPolicy) -> None:
        self.client = client
        self.task_queue = task_queue
        self.policy = policy

    @classmethod
    def from_settings(cls, client: Client, settings: Settings) -> JourneyGateway:
        return cls(client, settings.task_queue, reminder_policy(settings))

    # -- journeys ----------------------------------------------------------------------------

    async def enrol(
        self,
        trainer_id: str,
        module: Module,
        workshop_id: str,
        actor: Actor,
        request_id: str,
        journey_id: str,
        backdated_reason: str | None = None,
    ) -> JourneyState:
        """Create the journey's workflow, named after the journey it opens (the application's
        `journey_to_open`), and record the enrolment, in one call."""
        start = WithStartWorkflowOperation(
            CertificationJourney.run,
            JourneyInput(trainer_id, module, self.policy, journey_id=journey_id),
            id=journey_workflow_id(journey_id),
            task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        with step_logged(journey_workflow_id(journey_id), request_id, "enrol"):
            async with _refusals_raised():
                return await self.client.execute_update_with_start_workflow(
                    CertificationJourney.enrol,
                    EnrolRequest(workshop_id, actor, backdated_reason, command_id=request_id),
                    start_workflow_operation=start,
                    id=attempt_id(request_id),
                    rpc_timeout=STEP_TIMEOUT,
                )

    async def take_step(
        self,
        journey_id: str,
        step: JourneyStep,
        actor: Actor,
        request_id: str,
        workflow_id: str | None = None,
    ) -> JourneyState:
        """The step, through the journey's workflow (`workflow_id` for journeys that run
        under the older id). A workflow that has ended answers with the domain's reason;
        `NoJourneyWorkflow` when none ran the journey under that id."""
        handle = self._journey_handle(workflow_id or journey_workflow_id(journey_id))
        try:
            with step_logged(handle.id, request_id, "take_step"):
                async with _refusals_raised():
                    return await handle.execute_update(
                        CertificationJourney.take_step,
                        StepRequest(step, actor, journey_id, command_id=request_id),
                        id=attempt_id(request_id),
                        rpc_timeout=STEP_TIMEOUT,
                    )
        except _NoRunningWorkflow:
            closed = await self._closed_journey(handle)
            # The domain's own reason, e.g. AlreadyCertified: a closed journey is refused
            # before any limit is asked, so no policy is read here.
            rules.check(closed, step, actor, limit_at=rules.limit_ceiling)
            raise JourneyClosed(f"This journey has ended ({closed.stage.value}).") from None

    async def journey(self, journey_id: str) -> JourneyState | None:
        """The journey's state as its workflow holds it (open or closed); None if none."""
        handle = self._journey_handle(journey_workflow_id(journey_id))
        try:
            return await handle.query(CertificationJourney.state)
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                return None
            raise

    def _journey_handle(
        self, workflow_id: str
    ) -> WorkflowHandle[CertificationJourney, JourneyState | None]:
        return self.client.get_workflow_handle_for(CertificationJourney.run, workflow_id)

    async def _closed_journey(
        self, handle: WorkflowHandle[CertificationJourney, JourneyState | None]
    ) -> JourneyState:
        try:
            closed = await handle.result()
        except RPCError as error:
            if error.status is not RPCStatusCode.NOT_FOUND:
                raise StepNotRecorded(error.message) from error
            closed = None
        if closed is None:  # never enrolled, or the enrolment was refused
            raise NoJourneyWorkflow(f"There is no journey {handle.id}; enrol the candidate first.")
        return closed

    # -- standing ----------------------------------------------------------------------------

    async def standing_step(
        self, trainer_id: str, step: StandingStep, actor: Actor, request_id: str
    ) -> TrainerState:
        handle = self.client.get_workflow_handle_for(
            TrainerStanding.run, standing_workflow_id(trainer_id)
        )
        try:
            with step_logged(handle.id, request_id, "standing_step"):
                async with _refusals_raised():
                    return await handle.execute_update(
                        TrainerStanding.take_step,
                        StandingStepRequest(step, actor, command_id=request_id),
                        id=attempt_id(request_id),
                        rpc_timeout=STEP_TIMEOUT,
                    )
        except _NoRunningWorkflow:
            raise NotFound(
                f"Trainer {trainer_id} has no standing: it starts with the certificate of "
                "competence."
            ) from None

    async def adopt_journey(self, journey: JourneyState) -> None:
        """Hand an open journey of the event store to a workflow that carries on from its state.

        For journeys recorded without a running workflow: an imported history, or an enrolment
        whose answer was lost after its commit. Idempotent while the workflow runs.
        """
        await self.client.start_workflow(
            CertificationJourney.run,
            JourneyInput(
                journey.trainer_id,
                journey.module,
                self.policy,
                state=journey,
                journey_id=journey.journey_id,
            ),
            id=journey_workflow_id(journey.journey_id),
            task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )

    async def start_standing(self, trainer_id: str) -> None:
        """Start a standing for a trainer certified before the workflows existed; idempotent."""
        await self.client.start_workflow(
            TrainerStanding.run,
            StandingInput(trainer_id, self.policy),
            id=standing_workflow_id(trainer_id),
            task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )

    async def hand_over_standing(self, trainer: TrainerOutcome) -> None:
        """A trainer whose past was imported: start their standing from that state, or tell
        the running one (it keeps whichever state is newer); idempotent."""
        trainer_id = trainer.state.trainer_id
        handle = await self.client.start_workflow(
            TrainerStanding.run,
            StandingInput(trainer_id, self.policy, trainer),
            id=standing_workflow_id(trainer_id),
            task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        await handle.signal(TrainerStanding.refresh, trainer)


def attempt_id(request_id: str) -> str:
    """One update per attempt. Temporal keeps an update's outcome under its id for the whole
    run, a failure too, so a step sent again after a failure that has since passed must be a
    new update; the request id travels inside it as the command id, which keeps it once."""
    return f"{request_id}@{uuid.uuid4().hex[:12]}"


class _NoRunningWorkflow(Exception):
    """The workflow does not exist, or its run has ended."""


@asynccontextmanager
async def _refusals_raised() -> AsyncIterator[None]:
    """Turn what Temporal answered into the domain's refusal, or into StepNotRecorded."""
    try:
        yield
    except WorkflowUpdateFailedError as failure:
        refused: DomainError | None = domain_error_in(failure)
        if refused is not None:
            raise refused from None
        raise StepNotRecorded(str(failure.cause or failure)) from failure
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            raise _NoRunningWorkflow(error.message) from error
        raise StepNotRecorded(error.message) from error
    except RPCTimeoutOrCancelledError as error:
        raise StepNotRecorded(f"no answer within {STEP_TIMEOUT.seconds} s") from error
