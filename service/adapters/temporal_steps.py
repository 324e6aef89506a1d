"""The API's Steps port, taken through the journey and standing workflows (Temporal updates)."""

from __future__ import annotations

from collections.abc import Sequence

from cachetools import LRUCache
from starlette.concurrency import run_in_threadpool

from domain.errors import DomainError, NotFound
from domain.journey import rules
from domain.journey.state import JourneyState
from domain.journey.steps import JourneyStep
from domain.trainer.state import TrainerState
from domain.trainer.steps import StandingStep
from domain.values import Actor, Module
from service.app.certification import Certification
from workflows.client import JourneyGateway
from workflows.messages import TrainerOutcome

# Journeys whose candidate and module this process knows (~200 bytes each).
KNOWN_JOURNEYS = 50_000


class WorkflowSteps:
    def __init__(self, gateway: JourneyGateway, certification: Certification) -> None:
        self._gateway = gateway
        self._certification = certification
        # Which workflow runs a journey: its candidate and module, which never change.
        self._routes: LRUCache[str, tuple[str, Module]] = LRUCache(KNOWN_JOURNEYS)

    async def enrol(
        self,
        trainer_id: str,
        workshop_id: str,
        actor: Actor,
        command_id: str,
        backdated_reason: str | None = None,
    ) -> JourneyState:
        # Unknown ids are 404 here, before any workflow exists; the stored ids are canonical,
        # so the workflow id derived from them is the one every later step will look for.
        trainer = await run_in_threadpool(self._certification.trainer, trainer_id)
        workshop = await run_in_threadpool(self._certification.workshop, workshop_id)
        # Who may enrol is judged before the workflow is asked, so a caller who may not enrol
        # here never learns whether the candidate already has an open journey.
        countries = frozenset({trainer.country, workshop.plan.country})
        rules.check_enrolment(actor, workshop.plan.expert_id, trainer.trainer_id, countries)
        journey = await self._gateway.enrol(
            trainer.trainer_id,
            workshop.plan.module,
            workshop.workshop_id,
            actor,
            command_id,
            backdated_reason,
        )
        self._learn(journey)
        return journey

    async def take_step(
        self, journey_id: str, step: JourneyStep, actor: Actor, command_id: str
    ) -> JourneyState:
        """Straight to the journey's workflow when this process knows its route: the workflow
        checks the step, and that the journey is the one it runs, without a read here."""
        route = self._routes.get(journey_id)
        if route is None:
            return await self._take_step_read_first(journey_id, step, actor, command_id)
        trainer_id, module = route
        try:
            return await self._gateway.take_step(
                trainer_id, module, step, actor, command_id, journey_id
            )
        except DomainError as refusal:
            # The event store may know better: a retry of a command applied in an earlier
            # run, a journey that has ended, or one that no workflow runs.
            journey, answered = await self._journey_for(journey_id, command_id)
            if answered is not None:
                return answered
            if journey.is_open and not isinstance(refusal, NotFound):
                raise
            return await self._take_step_read_first(journey_id, step, actor, command_id)

    async def _take_step_read_first(
        self, journey_id: str, step: JourneyStep, actor: Actor, command_id: str
    ) -> JourneyState:
        journey, answered = await self._journey_for(journey_id, command_id)
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

    async def _journey_for(
        self, journey_id: str, command_id: str
    ) -> tuple[JourneyState, JourneyState | None]:
        journey, answered = await run_in_threadpool(
            self._certification.journey_for, journey_id, command_id
        )
        self._learn(journey)
        return journey, answered

    def _learn(self, journey: JourneyState) -> None:
        self._routes[journey.journey_id] = (journey.trainer_id, journey.module)

    async def take_standing_step(
        self, trainer: TrainerState, step: StandingStep, actor: Actor, command_id: str
    ) -> TrainerState:
        return await self._gateway.standing_step(trainer.trainer_id, step, actor, command_id)

    async def hand_over_standings(self, trainer_ids: Sequence[str]) -> None:
        for trainer_id in trainer_ids:
            outcome = await run_in_threadpool(self._read_trainer, trainer_id)
            await self._gateway.hand_over_standing(outcome)

    def _read_trainer(self, trainer_id: str) -> TrainerOutcome:
        position = self._certification.recorder.max_notification_id() or 0
        return TrainerOutcome(self._certification.trainer(trainer_id), position)
