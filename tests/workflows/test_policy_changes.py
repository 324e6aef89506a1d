"""Reminder thresholds: a change of configuration reaches every standing at its next yearly
renewal; a recorded policy version reaches it from the version's own date (within a week)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from domain.calendar import add_months
from domain.policies import PolicyTerms
from domain.trainer.aggregate import Trainer
from domain.trainer.steps import SubmitTrainingRecord
from domain.values import Actor, Role
from service.adapters.mail import Outbox, OutboxNotifier
from service.app.certification import Certification
from service.app.policies import record_policy_version
from service.settings import Settings
from tests.stories import new_id
from tests.workflows.scenarios import Journeys, journeys_in_skipped_time, recorded
from tests.workflows.test_reminders import sleep_until
from workflows.activities import CertificationActivities
from workflows.messages import ReminderPolicy
from workflows.standing import POLICY_CHECK_EVERY, RENEW_EVERY

# What the operator configured after the trainer's standing began: one reminder, at 6 months.
CHANGED = ReminderPolicy(stall_after_days=60, reminder_months=(6,))


@pytest_asyncio.fixture
async def journeys(
    time_skipping: WorkflowEnvironment,
    task_queue: str,
    app: Certification,
    outbox: Outbox,
    settings: Settings,
) -> AsyncIterator[Journeys]:
    async with journeys_in_skipped_time(
        time_skipping,
        task_queue,
        CertificationActivities(app, OutboxNotifier(outbox), CHANGED),
        app,
        settings,
    ) as journeys:
        yield journeys


async def test_changed_reminder_months_apply_from_the_next_yearly_renewal(
    journeys: Journeys, time_skipping: WorkflowEnvironment
) -> None:
    candidate, expert = journeys.people()
    await journeys.certify(candidate, expert)
    trainer = journeys.app.trainer(candidate.user_id)
    assert trainer.standing is not None
    clock = trainer.standing.clock_started_at

    def reminded_at_months() -> list[int]:
        sent = recorded(journeys.app, candidate.user_id, Trainer.ActivityReminderSent)
        return [reminder.months for reminder in sent]

    await sleep_until(time_skipping, add_months(clock, 10))
    assert reminded_at_months() == [9]  # this year's run keeps the policy it began with
    today = (await time_skipping.get_current_time()).date()
    record = SubmitTrainingRecord(today, "WC", enterprises=2, participants=20)
    restarted = await journeys.gateway.standing_step(candidate.user_id, record, candidate, new_id())
    assert restarted.standing is not None
    restarted_at = restarted.standing.clock_started_at

    await sleep_until(time_skipping, clock + RENEW_EVERY + timedelta(days=1))
    await sleep_until(time_skipping, add_months(restarted_at, 6) + timedelta(days=1))
    assert reminded_at_months() == [9, 6]


async def test_a_recorded_policy_version_applies_from_its_own_date_and_is_named(
    journeys: Journeys, time_skipping: WorkflowEnvironment
) -> None:
    candidate, expert = journeys.people()
    await journeys.certify(candidate, expert)
    trainer = journeys.app.trainer(candidate.user_id)
    assert trainer.standing is not None
    clock = trainer.standing.clock_started_at
    # Recorded while the standing sleeps towards its 9-month reminder: one reminder at 4
    # months instead, from the third month on.
    record_policy_version(
        journeys.app,
        PolicyTerms((4,), 60),
        add_months(clock, 3),
        "reminders earlier: trainers asked for more notice",
        Actor("office", Role.HQ),
        new_id(),
        await time_skipping.get_current_time(),
    )

    await sleep_until(time_skipping, add_months(clock, 5))
    sent = recorded(journeys.app, candidate.user_id, Trainer.ActivityReminderSent)
    assert [(r.months, r.policy_version) for r in sent] == [(4, 1)]
    assert sent[0].timestamp <= add_months(clock, 4) + POLICY_CHECK_EVERY
