"""An SMTP outage delays messages, never the decisions: a journey whose last reminder cannot
be sent yet stays open only to send it, and says so to an enrolment that comes meanwhile."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio
from temporalio import activity
from temporalio.testing import WorkflowEnvironment

from domain.errors import TryAgain
from domain.journey.aggregate import Journey
from domain.journey.steps import Withdraw
from service.application import Certification
from service.notifications import Outbox, OutboxNotifier
from service.settings import Settings
from tests.workflows.scenarios import Journeys, recorded
from workflows.activities import CertificationActivities
from workflows.client import JourneyGateway, reminder_policy
from workflows.messages import ActivityName, MailCommand
from workflows.worker import running_worker


class SmtpDown(CertificationActivities):
    @activity.defn(name=ActivityName.SEND_MAIL)
    def send_mail(self, command: MailCommand) -> int:
        raise ConnectionRefusedError("the SMTP server does not answer")


@pytest_asyncio.fixture
async def journeys(
    time_skipping: WorkflowEnvironment,
    task_queue: str,
    app: Certification,
    outbox: Outbox,
    settings: Settings,
) -> AsyncIterator[Journeys]:
    client = time_skipping.client
    gateway = JourneyGateway(client, task_queue, reminder_policy(settings))
    activities = SmtpDown(app, OutboxNotifier(outbox))
    async with running_worker(client, task_queue, activities, threads=4):
        start = await time_skipping.get_current_time() - timedelta(days=30)
        yield Journeys(app, gateway, start)


async def test_an_enrolment_while_the_last_journey_sends_its_mail_is_told_to_wait(
    journeys: Journeys, time_skipping: WorkflowEnvironment
) -> None:
    candidate, expert = journeys.people()
    journey = await journeys.enrol(candidate, expert)
    await time_skipping.sleep(timedelta(days=61))  # stalled: reminded; its mail cannot go
    assert len(recorded(journeys.app, journey.journey_id, Journey.StallReminderSent)) == 1
    await journeys.step(candidate, Withdraw("moved to another city"), candidate)

    with time_skipping.auto_time_skipping_disabled(), pytest.raises(TryAgain) as refused:
        await journeys.enrol(candidate, expert)
    assert "still sending its last messages" in refused.value.reason
