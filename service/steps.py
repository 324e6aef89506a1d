"""The API's Steps port, taken through the journey and standing workflows (Temporal updates)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool

from domain.errors import NotFound
from domain.journey import rules
from domain.journey.state import JourneyState
from domain.journey.steps import JourneyStep
from domain.trainer.state import TrainerState
from domain.trainer.steps import StandingStep
from domain.values import Actor
from service.application import Certification
from workflows.client import JourneyGateway


class WorkflowSteps:
    def __init__(self, gateway: JourneyGateway, certification: Certification) -> None:
        self._gateway = gateway
        self._certification = certification

    async def enrol(
        self, trainer_id: str, workshop_id: str, actor: Actor, command_id: str
    ) -> JourneyState:
        # Unknown ids are 404 here, before any workflow exists; the stored ids are canonical,
        # so the workflow id derived from them is the one every later step will look for.
        trainer = await run_in_threadpool(self._certification.trainer, trainer_id)
        workshop = await run_in_threadpool(self._certification.workshop, workshop_id)
        return await self._gateway.enrol(
            trainer.trainer_id, workshop.plan.module, workshop.workshop_id, actor, command_id
        )

    async def take_step(
        self, journey_id: str, step: JourneyStep, actor: Actor, command_id: str
    ) -> JourneyState:
        journey, answered = await run_in_threadpool(
            self._certification.journey_for, journey_id, command_id
        )
        if answered is not None:
            return answered  # a retry, even of the step that closed the journey: same answer
        if not journey.is_open:
            # Its workflow id may already serve the candidate's next journey in this module:
            # a step on an ended journey is answered from that journey's own state.
            rules.check(journey, step, actor)
        try:
            return await self._gateway.take_step(
                journey.trainer_id, journey.module, step, actor, command_id, journey.journey_id
            )
        except NotFound:
            # The event store holds this open journey but no workflow runs it (an enrolment
            # whose answer was lost after its commit): a workflow adopts it, then the step.
            await self._gateway.adopt_journey(journey)
            return await self._gateway.take_step(
                journey.trainer_id, journey.module, step, actor, command_id, journey.journey_id
            )

    async def take_standing_step(
        self, trainer: TrainerState, step: StandingStep, actor: Actor, command_id: str
    ) -> TrainerState:
        return await self._gateway.standing_step(trainer.trainer_id, step, actor, command_id)
