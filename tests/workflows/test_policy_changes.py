"""Reminder thresholds, the inactivity period and the stall period: a change of configuration
reaches every standing at its next yearly renewal; a recorded policy version reaches a
standing from the version's own date (within a week), and a journey waiting on its next step
from the version's own date (within a week when it was recorded to apply at once)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from domain.calendar import add_months
from domain.journey.aggregate import Journey
from domain.journey.state import JourneyState
from domain.policies import PolicyTerms
from domain.trainer.aggregate import Trainer
from domain.trainer.steps import SubmitTrainingRecord
from domain.values import Actor, Role
from service.adapters.mail import Outbox, OutboxNotifier
from service.app.audit.as_of import trainer_as_of
from service.app.certification import Certification
from service.app.policies import record_policy_version
from service.settings import Settings
from tests.stories import new_id
from tests.workflows.scenarios import Journeys, journeys_in_skipped_time, recorded
from tests.workflows.test_reminders import sleep_until
from workflows.activities import CertificationActivities
from workflows.journey import STALL_POLICY_CHECK_EVERY
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


async def version_while_the_standing_sleeps(
    journeys: Journeys,
    time_skipping: WorkflowEnvironment,
    terms: PolicyTerms,
    from_month: int,
    reason: str,
) -> tuple[Actor, datetime]:
    """A trainer certified, then a version recorded that applies `from_month` months into
    their clock; the trainer, and when the clock started."""
    candidate, expert = journeys.people()
    await journeys.certify(candidate, expert)
    trainer = journeys.app.trainer(candidate.user_id)
    assert trainer.standing is not None
    clock = trainer.standing.clock_started_at
    record_policy_version(
        journeys.app,
        terms,
        add_months(clock, from_month),
        reason,
        Actor("office", Role.HQ),
        new_id(),
        await time_skipping.get_current_time(),
    )
    return candidate, clock


async def test_a_recorded_policy_version_applies_from_its_own_date_and_is_named(
    journeys: Journeys, time_skipping: WorkflowEnvironment
) -> None:
    # Recorded while the standing sleeps towards its 9-month reminder: one reminder at 4
    # months instead, from the third month on.
    candidate, clock = await version_while_the_standing_sleeps(
        journeys, time_skipping, PolicyTerms((4,), 60), 3, "trainers asked for more notice"
    )

    await sleep_until(time_skipping, add_months(clock, 5))
    sent = recorded(journeys.app, candidate.user_id, Trainer.ActivityReminderSent)
    assert [(r.months, r.policy_version) for r in sent] == [(4, 1)]
    assert sent[0].timestamp <= add_months(clock, 4) + POLICY_CHECK_EVERY


async def test_a_shorter_inactivity_period_recorded_as_a_version_delists_by_it_and_names_it(
    journeys: Journeys, time_skipping: WorkflowEnvironment
) -> None:
    # Recorded while the standing sleeps towards its 9-month reminder: delisted at 6 months,
    # reminded at 3, from the first month on.
    candidate, clock = await version_while_the_standing_sleeps(
        journeys,
        time_skipping,
        PolicyTerms((3,), 60, inactive_after_months=6),
        1,
        "a shorter year: the programme wants active trainers",
    )

    await sleep_until(time_skipping, add_months(clock, 7))
    sent = recorded(journeys.app, candidate.user_id, Trainer.ActivityReminderSent)
    (delisting,) = recorded(journeys.app, candidate.user_id, Trainer.DelistedForInactivity)
    assert [(r.months, r.policy_version) for r in sent] == [(3, 1)]
    assert (delisting.policy_version, delisting.inactive_after_months) == (1, 6)
    assert delisting.timestamp <= add_months(clock, 6) + POLICY_CHECK_EVERY
    looking_back = trainer_as_of(journeys.app, candidate.user_id, delisting.timestamp)
    assert "no training record for 6 months" in looking_back.why  # the period of that version


async def test_a_shorter_period_delists_at_once_a_trainer_already_past_it(
    journeys: Journeys, time_skipping: WorkflowEnvironment
) -> None:
    # 6 months, applying 8 months into the clock: past it already, so delisted as soon as the
    # version applies, not 6 months later; no reminder of the new terms goes out first.
    candidate, clock = await version_while_the_standing_sleeps(
        journeys, time_skipping, PolicyTerms((3,), 60, inactive_after_months=6), 8, "shorter"
    )

    await sleep_until(time_skipping, add_months(clock, 8) + 2 * POLICY_CHECK_EVERY)
    (delisting,) = recorded(journeys.app, candidate.user_id, Trainer.DelistedForInactivity)
    assert (delisting.policy_version, delisting.inactive_after_months) == (1, 6)
    applies = add_months(clock, 8)
    assert applies <= delisting.timestamp <= applies + POLICY_CHECK_EVERY
    assert recorded(journeys.app, candidate.user_id, Trainer.ActivityReminderSent) == []


async def a_journey_waiting_when_a_version_is_recorded(
    journeys: Journeys,
    time_skipping: WorkflowEnvironment,
    stall_after_days: int,
    recorded_on_day: int,
    applies_on_day: int | None = None,
) -> tuple[JourneyState, datetime]:
    """A journey enrolled and waiting (the configured stall period: 60 days); on day
    `recorded_on_day` of its wait, a version of `stall_after_days` is recorded to apply on day
    `applies_on_day` (None: at once). The journey, and when the version applies."""
    candidate, expert = journeys.people()
    journey = await journeys.enrol(candidate, expert)
    await sleep_until(time_skipping, journey.last_step_at + timedelta(days=recorded_on_day))
    now = await time_skipping.get_current_time()
    applies = now
    if applies_on_day is not None:
        applies = journey.last_step_at + timedelta(days=applies_on_day)
    terms = PolicyTerms((9, 11), stall_after_days)
    record_policy_version(
        journeys.app, terms, applies, "stall reminders", Actor("office", Role.HQ), new_id(), now
    )
    return journey, applies


def stall_reminders(journeys: Journeys, journey: JourneyState) -> list[Journey.StallReminderSent]:
    return recorded(journeys.app, journey.journey_id, Journey.StallReminderSent)


async def test_a_shorter_stall_period_reminds_a_journey_waiting_longer_on_its_very_date(
    journeys: Journeys, time_skipping: WorkflowEnvironment
) -> None:
    # Recorded on day 5 of the wait: 30 days, from day 40. The journey has waited longer
    # than 30 days by then, so it is reminded on day 40, not on day 60 (the configured).
    journey, applies = await a_journey_waiting_when_a_version_is_recorded(
        journeys, time_skipping, stall_after_days=30, recorded_on_day=5, applies_on_day=40
    )

    await sleep_until(time_skipping, applies - timedelta(hours=1))
    assert stall_reminders(journeys, journey) == []
    await sleep_until(time_skipping, applies + timedelta(hours=1))
    (reminder,) = stall_reminders(journeys, journey)
    assert reminder.policy_version == 1 and reminder.waiting_since == journey.last_step_at
    assert applies <= reminder.timestamp < applies + timedelta(hours=1)


async def test_a_longer_stall_period_holds_a_waiting_journeys_reminder_back_until_it_ran_out(
    journeys: Journeys, time_skipping: WorkflowEnvironment
) -> None:
    # Recorded on day 10 of the wait: 90 days, from day 20.
    journey, _ = await a_journey_waiting_when_a_version_is_recorded(
        journeys, time_skipping, stall_after_days=90, recorded_on_day=10, applies_on_day=20
    )

    await sleep_until(time_skipping, journey.last_step_at + timedelta(days=89))
    assert stall_reminders(journeys, journey) == []  # not on day 60: the period in force is 90
    await sleep_until(time_skipping, journey.last_step_at + timedelta(days=91))
    (reminder,) = stall_reminders(journeys, journey)
    assert reminder.policy_version == 1
    assert reminder.timestamp - journey.last_step_at >= timedelta(days=90)


async def test_a_stall_period_recorded_to_apply_at_once_reaches_a_waiting_journey_within_a_week(
    journeys: Journeys, time_skipping: WorkflowEnvironment
) -> None:
    # Recorded on day 36 of the wait, applying at once: 30 days, run out already. The
    # journey reads the policy at least weekly while it waits (days 7, 14, … 35, 42).
    assert timedelta(days=7) == STALL_POLICY_CHECK_EVERY
    journey, applies = await a_journey_waiting_when_a_version_is_recorded(
        journeys, time_skipping, stall_after_days=30, recorded_on_day=36
    )

    await sleep_until(time_skipping, applies + STALL_POLICY_CHECK_EVERY + timedelta(hours=1))
    (reminder,) = stall_reminders(journeys, journey)
    assert reminder.policy_version == 1
    assert applies <= reminder.timestamp <= applies + STALL_POLICY_CHECK_EVERY
