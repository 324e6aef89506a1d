"""The API's Steps port, taken through the journey and standing workflows (Temporal updates).

A journey's workflow is named after the journey (`journey-{journey_id}`), so a step goes
straight to it. The event store is read only when the workflow cannot answer alone: a
refusal (the command may have been applied already, in an earlier run), or no workflow under
that id (a journey opened before workflows were named after journeys, whose workflow keeps
the older id until it ends, or an open journey that no workflow runs).
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.concurrency import run_in_threadpool

from domain.errors import DomainError, JourneyClosed, NotFound
from domain.journey import rules
from domain.journey.state import JourneyState
from domain.journey.steps import JourneyStep
from domain.trainer.state import TrainerState
from domain.trainer.steps import StandingStep
from domain.values import Actor
from domain.workshop import WorkshopState
from service.app.certification import Certification, JourneyToOpen
from workflows import older_journey_workflow_id
from workflows.client import JourneyGateway, NoJourneyWorkflow
from workflows.messages import TrainerOutcome


class WorkflowSteps:
    def __init__(self, gateway: JourneyGateway, certification: Certification) -> None:
        self._gateway = gateway
        self._certification = certification

    async def enrol(
        self,
        trainer_id: str,
        workshop_id: str,
        actor: Actor,
        command_id: str,
        backdated_reason: str | None = None,
    ) -> JourneyState:
        workshop, to_open = await run_in_threadpool(
            self._enrolment_to_send, trainer_id, workshop_id, actor, command_id
        )
        module = workshop.plan.module
        if to_open.enrolled is not None:  # sent again after it was recorded
            return await self._enrolment_recorded(to_open.enrolled, to_open.now)
        try:
            return await self._gateway.enrol(
                to_open.trainer_id,
                module,
                workshop.workshop_id,
                actor,
                command_id,
                to_open.journey_id,
                backdated_reason,
            )
        except DomainError as refusal:
            if refusal.transient:
                raise
            # Sent again while its first sending was being recorded, and answered by a run
            # that does not remember it (continued as new since): the store holds its answer.
            return await self._enrolment_kept(to_open.journey_id, command_id, refusal)

    async def take_step(
        self, journey_id: str, step: JourneyStep, actor: Actor, command_id: str
    ) -> JourneyState:
        try:
            return await self._gateway.take_step(journey_id, step, actor, command_id)
        except NoJourneyWorkflow:
            return await self._take_step_without_its_workflow(journey_id, step, actor, command_id)
        except DomainError as refusal:
            if refusal.transient:
                raise
            # A retry whose first answer was lost, of a command applied in an earlier run or
            # of the step that closed the journey: the store holds its answer.
            return await self._answer_kept(journey_id, command_id, refusal)

    def _enrolment_to_send(
        self, trainer_id: str, workshop_id: str, actor: Actor, command_id: str
    ) -> tuple[WorkshopState, JourneyToOpen]:
        """The workshop, and the journey the enrolment opens (one trip to a thread)."""
        # Unknown ids are 404 here, before any workflow exists.
        trainer = self._certification.trainer(trainer_id)
        workshop = self._certification.workshop(workshop_id)
        # Who may enrol is judged before the workflow is asked, so a caller who may not enrol
        # here never learns whether the candidate already has an open journey.
        countries = frozenset({trainer.country, workshop.plan.country})
        rules.check_enrolment(actor, workshop.plan.expert_id, trainer.trainer_id, countries)
        module = workshop.plan.module
        return workshop, self._certification.journey_to_open(trainer.trainer_id, module, command_id)

    async def _enrolment_recorded(
        self, enrolled: JourneyState, now: JourneyState | None
    ) -> JourneyState:
        """The answer to an enrolment recorded already. An open journey is handed to a workflow
        first (nothing happens if one runs it): the enrolment's run may have ended after the
        commit, its activity's answer lost, and then no workflow would remind its people."""
        if now is not None and now.is_open:
            await self._gateway.adopt_journey(now)
        return enrolled

    async def _enrolment_kept(
        self, journey_id: str, command_id: str, refusal: DomainError
    ) -> JourneyState:
        try:
            return await self._answer_kept(journey_id, command_id, refusal)
        except NotFound:  # refused before any journey was opened under that id
            raise refusal from None

    async def _answer_kept(
        self, journey_id: str, command_id: str, refusal: DomainError
    ) -> JourneyState:
        _, answered = await run_in_threadpool(
            self._certification.journey_for, journey_id, command_id
        )
        if answered is None:
            raise refusal
        return answered

    async def _take_step_without_its_workflow(
        self, journey_id: str, step: JourneyStep, actor: Actor, command_id: str
    ) -> JourneyState:
        journey, answered = await run_in_threadpool(
            self._certification.journey_for, journey_id, command_id
        )
        if answered is not None:
            return answered
        if not journey.is_open:
            # The domain's own reason, e.g. AlreadyCertified: a closed journey is refused
            # before any limit is asked, so no policy is read here.
            rules.check(journey, step, actor, limit_at=rules.limit_ceiling)
            raise JourneyClosed(f"This journey has ended ({journey.stage.value}).")
        older = older_journey_workflow_id(journey.trainer_id, journey.module)
        try:
            return await self._gateway.take_step(journey_id, step, actor, command_id, older)
        except NoJourneyWorkflow:
            # The event store holds this open journey but no workflow runs it (an imported
            # history): a workflow adopts it, then takes the step.
            await self._gateway.adopt_journey(journey)
            return await self._gateway.take_step(journey_id, step, actor, command_id)

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
