"""What a journey step costs on the dev server, against raw baselines measured in the same run.

    .venv/bin/python -m bench.workflow_steps [--steps 200]

Baselines (PERF-BASELINES §3): U0 a bare update; U0la an update whose handler awaits a no-op
local activity; U0ra the same with a regular activity. Then the real thing: every step of
whole journeys, enrolment to certification, through CertificationJourney (validator, local
activity, SQLite event store).
The dev server runs with history.transferProcessorMaxPollRPS=1000, as ours always does.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.client import Client
from temporalio.worker import Worker

from bench.baseline_workflow import Baseline, nothing
from domain.journey.steps import (
    AssessCycle,
    Certify,
    JourneyStep,
    RecordToTResult,
)
from domain.values import Actor
from service.bootstrap import build_certification
from service.database import create_service_engine
from service.migrations import migrate
from service.notifications import Outbox, OutboxNotifier
from service.settings import Settings
from service.temporal_dev import DevServer
from tests.workflows.scenarios import Journeys, cycle_steps
from workflows.activities import CertificationActivities
from workflows.client import JourneyGateway, reminder_policy
from workflows.worker import connect, running_worker


async def timed(calls: int, call: Callable[[int], Awaitable[object]]) -> list[float]:
    """Milliseconds per call, after a few warm-up calls."""
    for i in range(5):
        await call(-i - 1)
    samples = []
    for i in range(calls):
        start = time.perf_counter()
        await call(i)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p50, p99 = statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]
    return f"{name:<38} p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   n={len(ordered)}"


async def baselines(client: Client, calls: int) -> list[str]:
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    with ThreadPoolExecutor(4) as executor:
        worker = Worker(
            client,
            task_queue=queue,
            workflows=[Baseline],
            activities=[nothing],
            activity_executor=executor,
        )
        async with worker:
            handle = await client.start_workflow(Baseline.run, id=queue, task_queue=queue)
            rows = [
                summary(
                    "U0   bare update",
                    await timed(calls, lambda _: handle.execute_update(Baseline.bare)),
                ),
                summary(
                    "U0la update + no-op local activity",
                    await timed(
                        calls, lambda _: handle.execute_update(Baseline.with_local_activity)
                    ),
                ),
                summary(
                    "U0ra update + no-op regular activity",
                    await timed(
                        calls, lambda _: handle.execute_update(Baseline.with_regular_activity)
                    ),
                ),
            ]
            await handle.signal(Baseline.finish)
    return rows


async def journey_steps(client: Client, calls: int, data: Path) -> str:
    """Whole journeys, enrolment to certification: every step timed, none repeated."""
    settings = Settings(data_dir=data)
    migrate(settings)
    certification = build_certification(settings)
    outbox = Outbox(create_service_engine(settings))
    activities = CertificationActivities(certification, OutboxNotifier(outbox))
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    gateway = JourneyGateway(client, queue, reminder_policy(settings))
    journeys = Journeys(certification, gateway, datetime.now(UTC) - timedelta(days=30))
    samples: list[float] = []
    try:
        async with running_worker(client, queue, activities):
            while len(samples) < calls:
                samples += await one_journey(journeys)
        return summary("journey step (validator + LA + SQLite)", samples)
    finally:
        outbox.close()
        certification.close()


async def one_journey(journeys: Journeys) -> list[float]:
    candidate, expert = journeys.people()
    cycle = cycle_steps(journeys.story.register_enterprise(), journeys.story.now.date())
    steps: list[tuple[JourneyStep, Actor]] = [
        (RecordToTResult(attended=True, completed=True), expert),
        *((step, candidate) for step in cycle),
        (AssessCycle("recommended"), expert),
        (Certify(), journeys.hq),
    ]
    await journeys.enrol(candidate, expert)
    samples = []
    for step, actor in steps:
        start = time.perf_counter()
        await journeys.step(candidate, step, actor)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


async def main(calls: int) -> None:
    async with DevServer() as server:
        client = await connect(server.address)
        rows = await baselines(client, calls)
        with tempfile.TemporaryDirectory() as data:
            rows.append(await journey_steps(client, calls, Path(data)))
    print("\n".join(rows))  # noqa: T201 - the report is the output


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=200)
    asyncio.run(main(parser.parse_args().steps))
