"""Timers, on the time-skipping test server: a year passes in seconds.

A certified trainer is reminded at 9 and 11 months without a training record and delisted
at 12; a record restarts the clock. A journey that waits on a step for 60 days reminds its
candidate and expert once per stall. Every reminder is an event first, then a message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest_asyncio
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.calendar import add_months
from domain.journey.aggregate import Journey
from domain.journey.steps import AssessCycle, RecordToTResult
from domain.trainer.aggregate import Trainer
from domain.trainer.state import Listing, TrainerState
from domain.trainer.steps import Reinstate, SubmitTrainingRecord
from domain.values import Actor, Role
from service.adapters.mail import Outbox, OutboxNotifier
from service.app.certification import Certification
from service.settings import Settings
from tests.stories import new_id
from tests.workflows.scenarios import Journeys, journeys_in_skipped_time, recorded
from workflows import standing_workflow_id
from workflows.activities import CertificationActivities
from workflows.standing import TrainerStanding

HQ = Actor("hq-office", Role.HQ)


@pytest_asyncio.fixture
async def journeys(
    time_skipping: WorkflowEnvironment,
    task_queue: str,
    activities: CertificationActivities,
    app: Certification,
    settings: Settings,
) -> AsyncIterator[Journeys]:
    async with journeys_in_skipped_time(
        time_skipping, task_queue, activities, app, settings
    ) as journeys:
        yield journeys


_SLEEP_STRIDE = timedelta(days=31)


async def sleep_until(env: WorkflowEnvironment, moment: datetime) -> None:
    """Let the test server's clock (and every timer on the way) run on to `moment`.

    A month at a time: one sleep RPC over a year of timers (each firing workflow tasks and
    mail activities) can outrun the client's per-call deadline on a loaded 2-core machine
    ("RPCError: Timeout expired" in CI).
    """
    while (left := moment - await env.get_current_time()) > timedelta(0):
        await env.sleep(min(left, _SLEEP_STRIDE))


def standing_of(app: Certification, trainer: Actor) -> tuple[TrainerState, datetime]:
    state = app.trainer(trainer.user_id)
    assert state.standing is not None
    return state, state.standing.clock_started_at


def reminders(app: Certification, trainer: Actor) -> list[tuple[int, datetime]]:
    sent = recorded(app, trainer.user_id, Trainer.ActivityReminderSent)
    return [(e.months, e.clock_started_at) for e in sent]


def subjects(outbox: Outbox, recipient: str) -> list[str]:
    return [message.subject for message in outbox.messages(recipient)]


async def a_certified_trainer(journeys: Journeys) -> Actor:
    candidate, expert = journeys.people()
    await journeys.certify(candidate, expert)
    return candidate


async def test_a_year_without_records_brings_reminders_at_9_and_11_months_then_delisting(
    journeys: Journeys, time_skipping: WorkflowEnvironment, outbox: Outbox
) -> None:
    trainer = await a_certified_trainer(journeys)
    state, clock = standing_of(journeys.app, trainer)
    a_day = timedelta(days=1)

    await sleep_until(time_skipping, add_months(clock, 9) - a_day)
    assert reminders(journeys.app, trainer) == []
    await sleep_until(time_skipping, add_months(clock, 9) + a_day)
    assert reminders(journeys.app, trainer) == [(9, clock)]
    assert subjects(outbox, state.email) == ["SCORE: 9 months without a training record"]

    await sleep_until(time_skipping, add_months(clock, 11) + a_day)
    assert reminders(journeys.app, trainer) == [(9, clock), (11, clock)]
    await sleep_until(time_skipping, add_months(clock, 12) - a_day)
    assert journeys.app.trainer(trainer.user_id).listed

    await sleep_until(time_skipping, add_months(clock, 12) + a_day)
    delisted = journeys.app.trainer(trainer.user_id)
    assert delisted.standing is not None and delisted.standing.listing is Listing.INACTIVE
    assert len(recorded(journeys.app, trainer.user_id, Trainer.DelistedForInactivity)) == 1
    assert subjects(outbox, state.email)[-1] == (
        "SCORE: you have been removed from the list of certified trainers"
    )


async def test_a_training_record_at_month_10_restarts_the_clock(
    journeys: Journeys, time_skipping: WorkflowEnvironment
) -> None:
    trainer = await a_certified_trainer(journeys)
    _, clock = standing_of(journeys.app, trainer)
    await sleep_until(time_skipping, add_months(clock, 10))

    today = (await time_skipping.get_current_time()).date()
    record = SubmitTrainingRecord(today, "WC", enterprises=3, participants=41)
    state = await journeys.gateway.standing_step(trainer.user_id, record, trainer, new_id())
    assert state.standing is not None and state.standing.reminders_sent == ()
    restarted = state.standing.clock_started_at
    assert restarted.date() == today

    await sleep_until(time_skipping, add_months(clock, 12) + timedelta(days=1))
    assert journeys.app.trainer(trainer.user_id).listed
    assert reminders(journeys.app, trainer) == [(9, clock)]

    await sleep_until(time_skipping, add_months(restarted, 9) + timedelta(days=1))
    assert reminders(journeys.app, trainer) == [(9, clock), (9, restarted)]


async def test_the_standing_continues_as_new_each_year_and_keeps_its_state(
    journeys: Journeys, time_skipping: WorkflowEnvironment
) -> None:
    trainer = await a_certified_trainer(journeys)
    _, clock = standing_of(journeys.app, trainer)
    standing: WorkflowHandle[TrainerStanding, None] = time_skipping.client.get_workflow_handle_for(
        TrainerStanding.run, standing_workflow_id(trainer.user_id)
    )
    first_run = (await standing.describe()).run_id

    await sleep_until(time_skipping, add_months(clock, 12 * 3))

    latest = time_skipping.client.get_workflow_handle(standing.id)
    assert (await latest.describe()).run_id != first_run
    assert len((await latest.fetch_history()).events) < 60
    inactive = await latest.query(TrainerStanding.state)
    assert inactive is not None and not inactive.listed
    back = await journeys.gateway.standing_step(
        trainer.user_id, Reinstate("delivered two trainings abroad"), journeys.hq, new_id()
    )
    assert back.listed


async def test_a_stalled_journey_reminds_candidate_and_expert_once_per_stall(
    journeys: Journeys, time_skipping: WorkflowEnvironment, outbox: Outbox
) -> None:
    candidate, expert = journeys.people()
    journey = await journeys.enrol(candidate, expert)

    def stalls() -> list[Journey.StallReminderSent]:
        return recorded(journeys.app, journey.journey_id, Journey.StallReminderSent)

    await sleep_until(time_skipping, journey.last_step_at + timedelta(days=59))
    assert stalls() == []
    await sleep_until(time_skipping, journey.last_step_at + timedelta(days=61))
    (reminder,) = stalls()
    emails = [journeys.app.trainer(p.user_id).email for p in (candidate, expert)]
    assert reminder.recipients == emails
    assert reminder.waiting_since == journey.last_step_at
    assert [len(outbox.messages(email)) for email in emails] == [1, 1]

    await sleep_until(time_skipping, journey.last_step_at + timedelta(days=200))
    assert len(stalls()) == 1

    tot = RecordToTResult(attended=True, completed=True)
    moved_on = await journeys.step(candidate, tot, expert)
    await sleep_until(time_skipping, moved_on.last_step_at + timedelta(days=61))
    assert [r.waiting_since for r in stalls()] == [journey.last_step_at, moved_on.last_step_at]
    assert [len(outbox.messages(email)) for email in emails] == [2, 2]


async def test_a_journey_waiting_on_the_programme_office_reminds_the_office_too(
    time_skipping: WorkflowEnvironment,
    task_queue: str,
    app: Certification,
    outbox: Outbox,
    settings: Settings,
) -> None:
    office = "score-office@example.org"
    activities = CertificationActivities(app, OutboxNotifier(outbox), office_email=office)
    async with journeys_in_skipped_time(
        time_skipping, task_queue, activities, app, settings
    ) as journeys:
        candidate, expert = journeys.people()
        await journeys.enrol(candidate, expert)
        await journeys.step(candidate, RecordToTResult(attended=True, completed=True), expert)
        await journeys.complete_cycle(candidate)
        recommended = await journeys.step(candidate, AssessCycle("recommended"), expert)
        await sleep_until(time_skipping, recommended.last_step_at + timedelta(days=61))

    (reminder,) = recorded(app, recommended.journey_id, Journey.StallReminderSent)
    assert reminder.recipients[-1] == office and reminder.next_action == "certify"
    assert [m.subject for m in outbox.messages(office)] == [
        "SCORE certification: a journey is waiting for its next step"
    ]


async def test_an_erased_trainers_standing_keeps_running_and_sends_nothing(
    journeys: Journeys, time_skipping: WorkflowEnvironment, outbox: Outbox
) -> None:
    trainer = await a_certified_trainer(journeys)
    state, clock = standing_of(journeys.app, trainer)
    erased_at = await time_skipping.get_current_time()
    journeys.app.erase_personal_data(trainer.user_id, "request", HQ, new_id(), erased_at)

    await sleep_until(time_skipping, add_months(clock, 12) + timedelta(days=2))

    assert reminders(journeys.app, trainer) == []
    assert recorded(journeys.app, trainer.user_id, Trainer.DelistedForInactivity) == []
    assert subjects(outbox, state.email) == []
    standing = time_skipping.client.get_workflow_handle(standing_workflow_id(trainer.user_id))
    assert (await standing.describe()).status is WorkflowExecutionStatus.RUNNING


async def test_an_erased_candidates_stalled_journey_keeps_running_and_mails_no_one(
    journeys: Journeys, time_skipping: WorkflowEnvironment, outbox: Outbox
) -> None:
    candidate, expert = journeys.people()
    journey = await journeys.enrol(candidate, expert)
    candidates_email = journeys.app.trainer(candidate.user_id).email
    erased_at = await time_skipping.get_current_time()
    journeys.app.erase_personal_data(candidate.user_id, "request", HQ, new_id(), erased_at)

    await sleep_until(time_skipping, journey.last_step_at + timedelta(days=61))

    # Recorded with the journey's key destroyed: nothing personal, so no one to mail.
    (reminder,) = recorded(journeys.app, journey.journey_id, Journey.StallReminderSent)
    assert reminder.recipients == ["[erased]"]
    experts_email = journeys.app.trainer(expert.user_id).email
    assert outbox.messages(experts_email) == outbox.messages(candidates_email) == []
