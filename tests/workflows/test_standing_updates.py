"""The standing's updates on the real dev server: training records, removal for cause and
reinstatement by the programme office; refusals carry the domain's reason and write nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from temporalio.client import Client

from domain.errors import InvalidInput, NotFound, NotPermitted, StandingRuleViolated
from domain.trainer.state import Listing
from domain.trainer.steps import Reinstate, RemoveForCause, SubmitTrainingRecord
from domain.values import Actor, Module
from service.app.certification import Certification
from service.settings import Settings
from tests.stories import Story, new_id
from tests.workflows.scenarios import Journeys
from workflows import standing_workflow_id
from workflows.activities import CertificationActivities
from workflows.client import JourneyGateway, reminder_policy
from workflows.standing import TrainerStanding
from workflows.worker import running_worker

pytestmark = pytest.mark.temporal


@pytest_asyncio.fixture
async def gateway(
    dev_client: Client, task_queue: str, activities: CertificationActivities, settings: Settings
) -> AsyncIterator[JourneyGateway]:
    async with running_worker(dev_client, task_queue, activities, threads=4):
        yield JourneyGateway(dev_client, task_queue, reminder_policy(settings))


@pytest.fixture
def story(app: Certification) -> Story:
    return Story(app, start=datetime.now(UTC) - timedelta(days=60))


async def certified_with_standing(story: Story, gateway: JourneyGateway) -> Actor:
    """A trainer certified before the workflows existed, whose standing is started by hand."""
    trainer = story.register_candidate()
    story.certified_in(Module.WC, trainer, story.register_expert())
    await gateway.start_standing(trainer.user_id)
    await gateway.start_standing(trainer.user_id)  # idempotent: the same workflow
    return trainer


def record(on: datetime) -> SubmitTrainingRecord:
    return SubmitTrainingRecord(on.date(), "WC", enterprises=2, participants=24)


async def test_removal_for_cause_and_reinstatement_by_the_programme_office(
    story: Story, gateway: JourneyGateway, app: Certification, dev_client: Client
) -> None:
    trainer = await certified_with_standing(story, gateway)
    removal = RemoveForCause("conduct", "behaviour that undermines ILO values")

    with pytest.raises(NotPermitted, match="Only the programme office"):
        await gateway.standing_step(trainer.user_id, removal, trainer, new_id())
    removed = await gateway.standing_step(trainer.user_id, removal, story.hq, new_id())
    assert removed.standing is not None and removed.standing.listing is Listing.REMOVED

    handle = dev_client.get_workflow_handle(standing_workflow_id(trainer.user_id))
    events, history = app.recorder.max_notification_id(), len((await handle.fetch_history()).events)
    with pytest.raises(StandingRuleViolated, match="must reinstate them before"):
        await gateway.standing_step(trainer.user_id, record(datetime.now(UTC)), trainer, new_id())
    with pytest.raises(InvalidInput, match="reason: is empty; give the reason"):
        await gateway.standing_step(trainer.user_id, Reinstate("  "), story.hq, new_id())
    with pytest.raises(InvalidInput, match=r"reason: contains .* \(U\+202E\) at position 4"):
        await gateway.standing_step(trainer.user_id, Reinstate("ok \u202e"), story.hq, new_id())
    assert app.recorder.max_notification_id() == events
    assert len((await handle.fetch_history()).events) == history

    back = await gateway.standing_step(trainer.user_id, Reinstate("apologised"), story.hq, new_id())
    assert back.listed and app.trainer(trainer.user_id) == back


async def test_a_training_record_restarts_the_clock_in_the_workflow_and_the_store(
    story: Story, gateway: JourneyGateway, app: Certification
) -> None:
    trainer = await certified_with_standing(story, gateway)
    now = datetime.now(UTC)

    state = await gateway.standing_step(trainer.user_id, record(now), trainer, new_id())

    assert state.standing is not None and state.standing.last_training_record_at is not None
    assert state.standing.clock_started_at >= now - timedelta(minutes=1)
    assert app.trainer(trainer.user_id) == state


async def test_a_standing_step_for_a_trainer_without_a_standing_is_not_found(
    story: Story, gateway: JourneyGateway
) -> None:
    candidate = story.register_candidate()
    with pytest.raises(NotFound, match="has no standing"):
        await gateway.standing_step(candidate.user_id, record(datetime.now(UTC)), candidate, "r")


async def test_a_later_module_reaches_the_standing_so_its_records_count(
    story: Story, gateway: JourneyGateway, app: Certification, dev_client: Client
) -> None:
    journeys = Journeys(app, gateway, start=datetime.now(UTC) - timedelta(days=60))
    candidate, expert = journeys.people()
    await journeys.certify(candidate, expert, Module.WC)
    standing = dev_client.get_workflow_handle(standing_workflow_id(candidate.user_id))
    osh_record = SubmitTrainingRecord(datetime.now(UTC).date(), "OSH", 1, 12)
    with pytest.raises(StandingRuleViolated, match="not certified in OSH"):
        await gateway.standing_step(candidate.user_id, osh_record, candidate, new_id())

    await journeys.certify(candidate, expert, Module.OSH)
    known = await standing.query(TrainerStanding.state)
    assert known is not None and known.certified_modules == (Module.WC, Module.OSH)
    state = await gateway.standing_step(candidate.user_id, osh_record, candidate, new_id())
    assert state.standing is not None and state.standing.last_training_record_at is not None
