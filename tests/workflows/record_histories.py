"""Record the workflow histories that the replay test checks new code against.

    .venv/bin/python -m tests.workflows.record_histories

Runs each story on the time-skipping test server (a throw-away SQLite event store in a
temporary folder) and writes tests/histories/<story>.json. Re-record when a change to a
workflow is deliberate and guarded by `workflow.patched(...)`; keep the old files too, so
that histories of runs already in flight go on being replayed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from domain.errors import FoundationCertificateRequired, StepOutOfOrder
from domain.journey.steps import AssessCycle, RecordToTResult, SelectEnterprise, Withdraw
from domain.trainer.steps import Reinstate, RemoveForCause, SubmitTrainingRecord
from domain.values import Module
from service.adapters.mail import Outbox, OutboxNotifier
from service.bootstrap.parts import build_certification
from service.settings import Settings
from service.storage.database import create_service_engine
from tests.migrated import migrated
from tests.stories import new_id
from tests.workflows.scenarios import Journeys
from workflows import journey_workflow_id, standing_workflow_id
from workflows.activities import CertificationActivities
from workflows.client import JourneyGateway, reminder_policy
from workflows.converter import data_converter
from workflows.worker import running_worker

log = logging.getLogger("record_histories")

HISTORIES = Path(__file__).resolve().parents[1] / "histories"
TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"

# Each story returns, by history name, the workflow id and the run to record (None: latest).
Recorded = dict[str, tuple[str, str | None]]
Story = Callable[[Journeys, WorkflowEnvironment], Awaitable[Recorded]]


async def sleep_days(env: WorkflowEnvironment, days: float) -> None:
    await env.sleep(timedelta(days=days))


async def journey_certified_after_a_stall(journeys: Journeys, env: WorkflowEnvironment) -> Recorded:
    """Enrolment, a stall reminder, a refused step, a provisional cycle, certification."""
    candidate, expert = journeys.people()
    await journeys.enrol(candidate, expert)
    await sleep_days(env, 61)
    await journeys.step(candidate, RecordToTResult(attended=True, completed=True), expert)
    try:
        await journeys.step(candidate, AssessCycle("recommended"), expert)
    except StepOutOfOrder as refused:  # recorded on purpose: the validator's refusal
        log.info("refused as expected: %s", refused)
    await journeys.complete_cycle(candidate)
    await journeys.step(candidate, AssessCycle("provisional"), expert)
    await journeys.complete_cycle(candidate)
    await journeys.certify_recommended(candidate, expert)
    workflow_id = journey_workflow_id(journeys.journey_id(candidate))
    return {"journey_certified_after_a_stall": (workflow_id, None)}


async def journey_refused_and_withdrawn(journeys: Journeys, env: WorkflowEnvironment) -> Recorded:
    """An enrolment the domain refuses (no foundation), then a journey that is withdrawn."""
    candidate, expert = journeys.people()
    workshop = journeys.workshop(Module.QUALITY, expert)
    refused_id = journeys.next_journey_id(candidate, Module.QUALITY)
    try:
        await journeys.gateway.enrol(
            candidate.user_id, Module.QUALITY, workshop, journeys.hq, "x", refused_id
        )
    except FoundationCertificateRequired as refused:
        log.info("refused as expected: %s", refused)
    await journeys.enrol(candidate, expert)
    await journeys.step(candidate, RecordToTResult(attended=True, completed=True), expert)
    await journeys.step(
        candidate, SelectEnterprise(journeys.story.register_enterprise()), candidate
    )
    await journeys.step(candidate, Withdraw("changed employer"), candidate)
    return {
        "journey_enrolment_refused": (journey_workflow_id(refused_id), None),
        "journey_withdrawn": (journey_workflow_id(journeys.journey_id(candidate)), None),
    }


async def standing_through_the_years(journeys: Journeys, env: WorkflowEnvironment) -> Recorded:
    """Reminders, a record restarting the clock, renewal, delisting, reinstatement, removal."""
    candidate, expert = journeys.people()
    await journeys.certify(candidate, expert)
    gateway, trainer_id = journeys.gateway, candidate.user_id
    workflow_id = standing_workflow_id(trainer_id)
    first_run = (await env.client.get_workflow_handle(workflow_id).describe()).run_id
    await sleep_days(env, 280)  # the 9-month reminder
    today = (await env.get_current_time()).date()
    record = SubmitTrainingRecord(today, "WC", enterprises=2, participants=30)
    await gateway.standing_step(trainer_id, record, candidate, new_id())
    await sleep_days(env, 370)  # reminders at 9 and 11 months, delisting at 12
    await gateway.standing_step(trainer_id, Reinstate("trained again"), journeys.hq, new_id())
    removal = RemoveForCause("copyright", "sold copies of the manual")
    await gateway.standing_step(trainer_id, removal, journeys.hq, new_id())
    await sleep_days(env, 30)
    # The first run ended a year after it began (continue-as-new); the second is running.
    return {
        "standing_first_year": (workflow_id, first_run),
        "standing_second_year": (workflow_id, None),
    }


async def record(story: Story, client: Client, env: WorkflowEnvironment, data: Path) -> None:
    settings = migrated(Settings(data_dir=data / uuid.uuid4().hex))
    certification = build_certification(settings)
    outbox = Outbox(create_service_engine(settings))
    activities = CertificationActivities(certification, OutboxNotifier(outbox))
    queue = f"record-{uuid.uuid4().hex[:8]}"
    gateway = JourneyGateway(client, queue, reminder_policy(settings))
    try:
        async with running_worker(client, queue, activities, threads=4):
            start = await env.get_current_time() - timedelta(days=30)
            recorded = await story(Journeys(certification, gateway, start), env)
            for name, (workflow_id, run_id) in recorded.items():
                await write_history(client, name, workflow_id, run_id)
    finally:
        outbox.close()
        certification.close()


async def write_history(client: Client, name: str, workflow_id: str, run_id: str | None) -> None:
    history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
    (HISTORIES / f"{name}.json").write_text(history.to_json())
    log.info("%s: %d events", name, len(history.events))


async def main() -> None:
    HISTORIES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as data:
        for story in (
            journey_certified_after_a_stall,
            journey_refused_and_withdrawn,
            standing_through_the_years,
        ):
            log.info("recording %s", story.__name__)
            env = await WorkflowEnvironment.start_time_skipping(
                data_converter=data_converter,
                test_server_existing_path=str(TEST_SERVER),
            )
            try:
                await record(story, env.client, env, Path(data))
            finally:
                await env.shutdown()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    asyncio.run(main())
    # The SDK can abort at interpreter exit after all work is done (sdk-python#300);
    # everything is written and closed here, so leave without the finalisation.
    sys.stdout.flush()
    os._exit(0)
