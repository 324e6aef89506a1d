"""An SMTP outage delays messages, never the decisions: a standing renews its run on time and
hands its unsent mail to the next run, which sends it once the server is back; a journey
whose last reminder cannot be sent yet keeps its workflow running only to send it, while
the candidate's next journey opens at once in a workflow of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio
from temporalio import activity
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from domain.calendar import add_months
from domain.journey.aggregate import Journey
from domain.journey.steps import Withdraw
from domain.trainer.aggregate import Trainer
from service.adapters.mail import Outbox, OutboxNotifier
from service.app.certification import Certification
from service.app.notifications import Notifier
from service.settings import Settings
from tests.workflows.scenarios import Journeys, journeys_in_skipped_time, recorded
from tests.workflows.test_reminders import sleep_until
from workflows import journey_workflow_id, standing_workflow_id
from workflows.activities import CertificationActivities
from workflows.messages import ActivityName, MailCommand


class SmtpDown(CertificationActivities):
    """The messages cannot be handed to the SMTP server until it is back up."""

    def __init__(self, certification: Certification, notifier: Notifier) -> None:
        super().__init__(certification, notifier)
        self.up = False

    @activity.defn(name=ActivityName.SEND_MAIL)
    def send_mail(self, command: MailCommand) -> int:
        if not self.up:
            raise ConnectionRefusedError("the SMTP server does not answer")
        return super().send_mail(command)


@pytest.fixture
def smtp(app: Certification, outbox: Outbox) -> SmtpDown:
    return SmtpDown(app, OutboxNotifier(outbox))


@pytest_asyncio.fixture
async def journeys(
    time_skipping: WorkflowEnvironment,
    task_queue: str,
    app: Certification,
    smtp: SmtpDown,
    settings: Settings,
) -> AsyncIterator[Journeys]:
    async with journeys_in_skipped_time(time_skipping, task_queue, smtp, app, settings) as journeys:
        yield journeys


async def test_an_enrolment_while_the_last_journey_sends_its_mail_opens_the_next_one(
    journeys: Journeys, time_skipping: WorkflowEnvironment
) -> None:
    candidate, expert = journeys.people()
    journey = await journeys.enrol(candidate, expert)
    await time_skipping.sleep(timedelta(days=61))  # stalled: reminded; its mail cannot go
    assert len(recorded(journeys.app, journey.journey_id, Journey.StallReminderSent)) == 1
    await journeys.step(candidate, Withdraw("moved to another city"), candidate)

    skipped_to = (await time_skipping.get_current_time()).date()  # the workflows' today
    with time_skipping.auto_time_skipping_disabled():
        second = await journeys.enrol(candidate, expert, workshop_ends_on=skipped_to)

    assert second.journey_id != journey.journey_id and second.is_open
    first_workflow = journey_workflow_id(journey.journey_id)
    still_sending = time_skipping.client.get_workflow_handle(first_workflow)
    assert (await still_sending.describe()).status is WorkflowExecutionStatus.RUNNING


async def test_a_standing_renews_on_time_and_its_next_run_sends_the_mail_left_over(
    journeys: Journeys, time_skipping: WorkflowEnvironment, smtp: SmtpDown, outbox: Outbox
) -> None:
    candidate, expert = journeys.people()
    await journeys.certify(candidate, expert)
    standing = time_skipping.client.get_workflow_handle(standing_workflow_id(candidate.user_id))
    first_run = (await standing.describe()).run_id
    trainer = journeys.app.trainer(candidate.user_id)
    assert trainer.standing is not None
    clock = trainer.standing.clock_started_at

    # Twelve months without a record: delisted, and the year's run renews right after, while
    # the delisting's mail still cannot go out.
    await sleep_until(time_skipping, add_months(clock, 12) + timedelta(hours=1))
    delisted = recorded(journeys.app, candidate.user_id, Trainer.DelistedForInactivity)
    assert len(delisted) == 1
    assert (await standing.describe()).run_id != first_run
    assert outbox.messages(trainer.email) == []

    smtp.up = True
    await sleep_until(time_skipping, add_months(clock, 12) + timedelta(days=1))
    assert [m.subject for m in outbox.messages(trainer.email)] == [
        "SCORE: you have been removed from the list of certified trainers"
    ]
