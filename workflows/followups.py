"""What a certification sets going: the trainer's standing workflow, or news for it."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import FailureError, WorkflowAlreadyStartedError

from domain.trainer.state import TrainerState
from domain.values import Module
from workflows import standing_workflow_id
from workflows.messages import JourneyInput, StandingInput, TrainerOutcome
from workflows.standing import TrainerStanding

STANDING_OF_THE_PERSON = "standing-of-the-person-after-a-merge"


def issued_certificate(module: Module, trainer: TrainerState) -> bool:
    """The first certified module is the one that issued the certificate of competence."""
    return trainer.standing is not None and trainer.certified_modules[:1] == (module,)


async def start_or_refresh_standing(journey: JourneyInput, trainer: TrainerOutcome) -> None:
    """Start the standing (an abandoned child: it outlives the journey), or tell it the news."""
    person = journey.trainer_id
    # A journey of a record merged into another certifies the person: their standing is the
    # surviving record's. Only such journeys take the new path (no history before had one).
    if trainer.state.trainer_id != person and workflow.patched(STANDING_OF_THE_PERSON):
        person = trainer.state.trainer_id
    standing_id = standing_workflow_id(person)
    if issued_certificate(journey.module, trainer.state):
        try:
            await workflow.start_child_workflow(
                TrainerStanding.run,
                StandingInput(person, journey.policy, trainer),
                id=standing_id,
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            )
            return
        except WorkflowAlreadyStartedError:
            pass  # started before (by hand, or an earlier attempt): refresh it instead
    try:
        await workflow.get_external_workflow_handle(standing_id).signal(
            TrainerStanding.refresh, trainer
        )
    except FailureError as error:
        # Trainers certified before these workflows existed have no standing workflow yet.
        workflow.logger.warning("Standing %s not refreshed: %s", standing_id, error)
