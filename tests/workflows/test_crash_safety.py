"""Crash safety: work committed before a crash is never recorded twice.

An activity that fails after its commit is retried and appends nothing (the update id, or
the clock's deterministic id, is the command id). A worker killed in the middle of a
journey, and a dev server restarted from its database file, do not stop the journey.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from temporalio import activity
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from domain.calendar import add_months
from domain.journey.state import JourneyState, Stage
from domain.journey.steps import (
    RecordToTResult,
    SelectEnterprise,
)
from domain.recorded import RecordedAggregate
from domain.trainer.aggregate import Trainer
from domain.values import Actor
from service.adapters.mail import Outbox, OutboxNotifier
from service.adapters.temporal_dev import DevServer
from service.app.certification import Certification
from service.app.notifications import Notifier
from service.settings import Settings
from tests.workflows.scenarios import Journeys, cycle_steps, recorded, recorded_by
from workflows.activities import CertificationActivities
from workflows.client import JourneyGateway, reminder_policy
from workflows.messages import (
    ActivityName,
    ActivityReminderCommand,
    JourneyOutcome,
    JourneyStepCommand,
    MailCommand,
    TrainerOutcome,
)
from workflows.worker import connect, running_worker

REPO = Path(__file__).resolve().parents[2]


class FailsOnceAfterCommit(CertificationActivities):
    """The chosen activities commit, then fail their first attempt, as if the worker died
    right then."""

    def __init__(self, certification: Certification, notifier: Notifier, failing: set[str]) -> None:
        super().__init__(certification, notifier)
        self.failing = failing
        self.attempts: list[tuple[str, int]] = []

    def _fail_first_attempt(self) -> None:
        info = activity.info()
        if info.activity_type not in self.failing:
            return
        self.attempts.append((info.activity_type, info.attempt))
        if info.attempt == 1:
            raise RuntimeError(f"{info.activity_type} crashed after its commit")

    @activity.defn(name=ActivityName.TAKE_JOURNEY_STEP)
    def take_journey_step(self, command: JourneyStepCommand) -> JourneyOutcome:
        outcome = super().take_journey_step(command)
        self._fail_first_attempt()
        return outcome

    @activity.defn(name=ActivityName.REMIND_INACTIVE_TRAINER)
    def remind_inactive_trainer(self, command: ActivityReminderCommand) -> TrainerOutcome:
        outcome = super().remind_inactive_trainer(command)
        self._fail_first_attempt()
        return outcome

    @activity.defn(name=ActivityName.SEND_MAIL)
    def send_mail(self, command: MailCommand) -> int:
        sent = super().send_mail(command)
        self._fail_first_attempt()
        return sent


@pytest.mark.temporal
async def test_a_step_whose_activity_fails_after_its_commit_is_recorded_once(
    dev_client: Client, task_queue: str, app: Certification, outbox: Outbox, settings: Settings
) -> None:
    failing = {ActivityName.TAKE_JOURNEY_STEP}
    activities = FailsOnceAfterCommit(app, OutboxNotifier(outbox), failing)
    gateway = JourneyGateway(dev_client, task_queue, reminder_policy(settings))
    journeys = Journeys(app, gateway, start=datetime.now(UTC) - timedelta(days=30))
    candidate, expert = journeys.people()
    async with running_worker(dev_client, task_queue, activities, threads=2):
        journey = await journeys.enrol(candidate, expert)
        tot = RecordToTResult(attended=True, completed=True)
        state = await journeys.step(candidate, tot, expert, request_id="tot-once")

    assert journey.stage is Stage.ENROLLED and state.stage is Stage.TOE_CYCLE
    assert activities.attempts == [("take_journey_step", 1), ("take_journey_step", 2)]
    assert recorded_by(app, state.journey_id, "tot-once") == ["ToTResultRecorded"]


async def test_a_reminder_and_its_mail_failing_after_their_commit_are_recorded_and_sent_once(
    time_skipping: WorkflowEnvironment,
    task_queue: str,
    app: Certification,
    outbox: Outbox,
    settings: Settings,
) -> None:
    failing = {ActivityName.REMIND_INACTIVE_TRAINER, ActivityName.SEND_MAIL}
    activities = FailsOnceAfterCommit(app, OutboxNotifier(outbox), failing)
    gateway = JourneyGateway(time_skipping.client, task_queue, reminder_policy(settings))
    start = await time_skipping.get_current_time() - timedelta(days=30)
    journeys = Journeys(app, gateway, start)
    candidate, expert = journeys.people()
    async with running_worker(time_skipping.client, task_queue, activities, threads=2):
        await journeys.certify(candidate, expert)
        trainer = app.trainer(candidate.user_id)
        assert trainer.standing is not None
        nine_months = add_months(trainer.standing.clock_started_at, 9) + timedelta(days=1)
        await time_skipping.sleep(nine_months - await time_skipping.get_current_time())

    reminders = recorded(app, candidate.user_id, Trainer.ActivityReminderSent)
    assert [r.months for r in reminders] == [9]
    assert [m.subject for m in outbox.messages(trainer.email)] == [
        "SCORE: 9 months without a training record"
    ]
    assert activities.attempts == [
        ("remind_inactive_trainer", 1),
        ("remind_inactive_trainer", 2),
        ("send_mail", 1),
        ("send_mail", 2),
    ]


@contextmanager
def process(
    command: list[str], settings: Settings, task_queue: str, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A worker in its own process, sharing the test's event store; stopped on leaving."""
    env = dict(os.environ, SCORE_DATA_DIR=str(settings.data_dir), SCORE_TASK_QUEUE=task_queue)
    with log.open("ab") as output:
        child = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        yield child
    finally:
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def score_worker(address: str) -> list[str]:
    return [sys.executable, "-m", "service.cli", "worker", "--address", address]


def killed_after_commit_of(address: str, step_kind: str) -> list[str]:
    return [sys.executable, "-m", "tests.workflows.crashing_worker", address, step_kind]


@pytest.mark.temporal
async def test_a_killed_worker_and_a_restarted_server_do_not_stop_a_journey(
    tmp_path: Path, task_queue: str, app: Certification, settings: Settings
) -> None:
    async with DevServer(tmp_path / "temporal.sqlite") as server:
        gateway = JourneyGateway(
            await connect(server.address), task_queue, reminder_policy(settings)
        )
        journeys = Journeys(app, gateway, start=datetime.now(UTC) - timedelta(days=30))
        candidate, expert = journeys.people()
        enterprise = journeys.story.register_enterprise()

        doomed = killed_after_commit_of(server.address, "select_enterprise")
        with process(doomed, settings, task_queue, tmp_path / "worker-1.log") as first:
            journey = await journeys.enrol(candidate, expert)
            await journeys.step(candidate, RecordToTResult(True, True), expert)
            selecting = asyncio.create_task(
                journeys.step(
                    candidate, SelectEnterprise(enterprise), candidate, request_id="select-1"
                )
            )
            assert await asyncio.to_thread(first.wait, 60) == -9  # SIGKILL, after the commit
        assert recorded_by(app, journey.journey_id, "select-1") == ["EnterpriseSelected"]

        with process(score_worker(server.address), settings, task_queue, tmp_path / "w2.log"):
            selected = await asyncio.wait_for(selecting, timeout=60)
        assert selected.cycle is not None and selected.cycle.enterprise(enterprise) is not None
        assert recorded_by(app, journey.journey_id, "select-1") == ["EnterpriseSelected"]

        server.stop()
        server.start()
        await server.wait_until_serving()
        journeys.gateway = JourneyGateway(
            await connect(server.address), task_queue, reminder_policy(settings)
        )
        with process(score_worker(server.address), settings, task_queue, tmp_path / "w3.log"):
            finished = await finish_cycle_and_certify(journeys, candidate, expert, enterprise)

    assert finished.stage is Stage.CERTIFIED
    assert app.journey(journey.journey_id) == finished
    command_ids = [e.command_id for e in recorded(app, journey.journey_id, RecordedAggregate.Event)]
    assert len(command_ids) == len(set(command_ids)) == 9  # enrolment + 8 steps, each once


async def finish_cycle_and_certify(
    journeys: Journeys, candidate: Actor, expert: Actor, enterprise: str
) -> JourneyState:
    """Everything after the enterprise's selection, up to the certificate."""
    for step in cycle_steps(enterprise, journeys.story.now.date())[1:]:
        await journeys.step(candidate, step, candidate)
    return await journeys.certify_recommended(candidate, expert)
