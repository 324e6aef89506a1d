"""After a failed step, a workflow judges the next step against what the event store holds,
and the same step sent again is taken (once), not answered with the old failure.

A step can be saved and its activity still fail (the answer lost in a fault that is not
retried), and the store can be ahead of a workflow's state when something wrote to it
elsewhere. Either way the workflow reads its state again before answering the failure, so
that its validator does not refuse the next step for a reason that is no longer true; when
even that read fails, it lets the activity's domain judge the next step against the store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.exceptions import ApplicationError

from domain.errors import StepNotAllowed
from domain.journey.state import Stage
from domain.journey.steps import AssessCycle, Certify, RecordToTResult, SelectEnterprise
from domain.trainer.state import Listing
from domain.trainer.steps import Reinstate, RemoveForCause
from domain.values import Module
from service.adapters.mail import Outbox, OutboxNotifier
from service.adapters.temporal_steps import WorkflowSteps
from service.app.certification import Certification
from service.app.notifications import Notifier
from service.settings import Settings
from tests.stories import new_id
from tests.workflows.scenarios import Journeys, journeys_with_worker, recorded_by
from workflows import standing_workflow_id
from workflows.activities import CertificationActivities
from workflows.client import StepNotRecorded
from workflows.messages import (
    ActivityName,
    JourneyOutcome,
    JourneyStepCommand,
    StandingStepCommand,
    TrainerOutcome,
)
from workflows.standing import TrainerStanding

pytestmark = pytest.mark.temporal

TOT = RecordToTResult(attended=True, completed=True)


class Faults(CertificationActivities):
    """Activities that fail on cue: a step after its commit, and reading a journey."""

    def __init__(self, certification: Certification, notifier: Notifier) -> None:
        super().__init__(certification, notifier)
        self.fail_after_commit: set[str] = set()  # command ids
        self.fail_once_before_commit: set[str] = set()
        self.reading_fails = False

    @activity.defn(name=ActivityName.TAKE_JOURNEY_STEP)
    def take_journey_step(self, command: JourneyStepCommand) -> JourneyOutcome:
        if command.command_id in self.fail_once_before_commit:
            self.fail_once_before_commit.discard(command.command_id)
            raise ApplicationError("the database was away for too long", non_retryable=True)
        outcome = super().take_journey_step(command)
        self._fail_if_cued_after_commit(command.command_id)
        return outcome

    @activity.defn(name=ActivityName.TAKE_STANDING_STEP)
    def take_standing_step(self, command: StandingStepCommand) -> TrainerOutcome:
        outcome = super().take_standing_step(command)
        self._fail_if_cued_after_commit(command.command_id)
        return outcome

    def _fail_if_cued_after_commit(self, command_id: str) -> None:
        if command_id in self.fail_after_commit:
            raise ApplicationError("the connection broke after the commit", non_retryable=True)

    @activity.defn(name=ActivityName.READ_JOURNEY)
    def read_journey(self, journey_id: str) -> JourneyOutcome:
        if self.reading_fails:
            raise ApplicationError("the event store is unreachable", non_retryable=True)
        return super().read_journey(journey_id)


@pytest.fixture
def faults(app: Certification, outbox: Outbox) -> Faults:
    return Faults(app, OutboxNotifier(outbox))


@pytest_asyncio.fixture
async def journeys(
    dev_client: Client, task_queue: str, faults: Faults, app: Certification, settings: Settings
) -> AsyncIterator[Journeys]:
    start = datetime.now(UTC) - timedelta(days=30)
    async with journeys_with_worker(
        dev_client, task_queue, faults, app, settings, start
    ) as journeys:
        yield journeys


async def test_a_step_saved_before_its_activity_failed_counts_for_the_next_step(
    journeys: Journeys, faults: Faults
) -> None:
    candidate, expert = journeys.people()
    await journeys.enrol(candidate, expert)
    faults.fail_after_commit.add("tot-lost-answer")

    with pytest.raises(StepNotRecorded, match="broke after the commit"):
        await journeys.step(candidate, TOT, expert, request_id="tot-lost-answer")

    # The ToT result was saved: the workflow knows it, and the cycle may begin.
    enterprise = journeys.story.register_enterprise()
    selected = await journeys.step(candidate, SelectEnterprise(enterprise), candidate)
    assert selected.stage is Stage.TOE_CYCLE and selected.cycle is not None
    assert selected.cycle.enterprise(enterprise) is not None


async def test_a_step_the_store_refuses_brings_the_workflow_up_to_date(
    journeys: Journeys,
) -> None:
    candidate, expert = journeys.people()
    journey = await journeys.enrol(candidate, expert)
    # Written to the event store directly, behind the workflow's back.
    journeys.app.take_step(journey.journey_id, TOT, expert, new_id(), datetime.now(UTC))

    with pytest.raises(StepNotAllowed):
        await journeys.step(candidate, TOT, expert)

    enterprise = journeys.story.register_enterprise()
    selected = await journeys.step(candidate, SelectEnterprise(enterprise), candidate)
    assert selected.cycle is not None and selected.cycle.enterprise(enterprise) is not None


async def test_when_the_state_cannot_be_read_again_the_store_judges_the_next_step(
    journeys: Journeys, faults: Faults
) -> None:
    candidate, expert = journeys.people()
    await journeys.enrol(candidate, expert)
    faults.fail_after_commit.add("tot-lost-answer")
    faults.reading_fails = True

    with pytest.raises(StepNotRecorded):
        await journeys.step(candidate, TOT, expert, request_id="tot-lost-answer")

    faults.reading_fails = False
    enterprise = journeys.story.register_enterprise()
    selected = await journeys.step(candidate, SelectEnterprise(enterprise), candidate)
    assert selected.cycle is not None and selected.cycle.enterprise(enterprise) is not None
    # A step the store refuses is still refused, with the domain's reason.
    with pytest.raises(StepNotAllowed):
        await journeys.step(candidate, TOT, expert)


async def test_a_removal_saved_before_its_activity_failed_can_be_reinstated(
    journeys: Journeys, faults: Faults
) -> None:
    trainer = journeys.story.register_candidate()
    journeys.story.certified_in(Module.WC, trainer, journeys.story.register_expert())
    gateway = journeys.gateway
    await gateway.start_standing(trainer.user_id)
    faults.fail_after_commit.add("removal-lost-answer")
    removal = RemoveForCause("copyright", "sold the SCORE materials as their own")

    with pytest.raises(StepNotRecorded, match="broke after the commit"):
        await gateway.standing_step(trainer.user_id, removal, journeys.hq, "removal-lost-answer")

    back = await gateway.standing_step(trainer.user_id, Reinstate("settled"), journeys.hq, new_id())
    assert back.standing is not None and back.standing.listing is Listing.LISTED


async def test_a_step_sent_again_after_a_passing_fault_is_taken_once(
    journeys: Journeys, faults: Faults
) -> None:
    """Temporal keeps a failed update's outcome under its id; the retry is a new update."""
    candidate, expert = journeys.people()
    journey = await journeys.enrol(candidate, expert)
    faults.fail_once_before_commit.add("tot-retried")

    with pytest.raises(StepNotRecorded, match="away for too long"):
        await journeys.step(candidate, TOT, expert, request_id="tot-retried")
    took = await journeys.step(candidate, TOT, expert, request_id="tot-retried")
    again = await journeys.step(candidate, TOT, expert, request_id="tot-retried")

    assert took.stage is Stage.TOE_CYCLE and again == took
    assert recorded_by(journeys.app, journey.journey_id, "tot-retried") == ["ToTResultRecorded"]


async def test_a_step_saved_before_its_activity_failed_answers_its_retry_from_the_store(
    journeys: Journeys, faults: Faults
) -> None:
    candidate, expert = journeys.people()
    journey = await journeys.enrol(candidate, expert)
    steps = WorkflowSteps(journeys.gateway, journeys.app)
    faults.fail_after_commit.add("tot-lost-answer")

    with pytest.raises(StepNotRecorded):
        await steps.take_step(journey.journey_id, TOT, expert, "tot-lost-answer")
    answer = await steps.take_step(journey.journey_id, TOT, expert, "tot-lost-answer")

    assert answer.stage is Stage.TOE_CYCLE
    assert recorded_by(journeys.app, journey.journey_id, "tot-lost-answer") == ["ToTResultRecorded"]


async def test_a_certification_saved_before_its_activity_failed_still_starts_the_standing(
    journeys: Journeys, faults: Faults, dev_client: Client
) -> None:
    candidate, expert = journeys.people()
    await journeys.enrol(candidate, expert)
    await journeys.step(candidate, TOT, expert)
    await journeys.complete_cycle(candidate)
    await journeys.step(candidate, AssessCycle("recommended"), expert)
    faults.fail_after_commit.add("certify-lost-answer")

    with pytest.raises(StepNotRecorded):
        await journeys.step(candidate, Certify(), journeys.hq, request_id="certify-lost-answer")

    standing = dev_client.get_workflow_handle(standing_workflow_id(candidate.user_id))
    assert (await standing.describe()).status is WorkflowExecutionStatus.RUNNING
    trainer = await standing.query(TrainerStanding.state)
    assert trainer is not None and trainer.listed
