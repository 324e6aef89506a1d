"""The worker: runs both workflows and the activities against a Temporal server."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker

from service.bootstrap import build_certification
from service.notifications import build_notifier
from service.settings import Settings
from workflows.activities import CertificationActivities
from workflows.client import reminder_policy
from workflows.converter import data_converter
from workflows.journey import CertificationJourney
from workflows.sandbox import sandbox_runner
from workflows.standing import TrainerStanding

WORKFLOWS = [CertificationJourney, TrainerStanding]

# Lets a step being saved finish when the worker is asked to stop.
GRACEFUL_SHUTDOWN = timedelta(seconds=10)


async def connect(address: str, namespace: str = "default") -> Client:
    """A client that carries the domain's dataclasses as they are (dates, enums, tuples)."""
    return await Client.connect(address, namespace=namespace, data_converter=data_converter)


@asynccontextmanager
async def running_worker(
    client: Client,
    task_queue: str,
    activities: CertificationActivities,
    threads: int = 8,
    cached_workflows: int = 1000,
) -> AsyncIterator[Worker]:
    """A worker polling `task_queue` until the block ends; sync activities use `threads`."""
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="activity") as executor:
        worker = Worker(
            client,
            task_queue=task_queue,
            workflows=WORKFLOWS,
            activities=activities.all(),
            activity_executor=executor,
            max_concurrent_activities=threads,
            max_concurrent_local_activities=threads,
            graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
            workflow_runner=sandbox_runner(),
            max_cached_workflows=cached_workflows,
        )
        async with worker:
            yield worker


async def run_worker(
    settings: Settings, address: str | None = None, stop: asyncio.Event | None = None
) -> None:
    """Run until `stop` is set, or until SIGINT/SIGTERM when no event is given."""
    target = address or settings.temporal_address
    if target is None:
        raise ValueError(
            "No Temporal address: set SCORE_TEMPORAL_ADDRESS (host:port) or pass --address."
        )
    client = await connect(target, settings.temporal_namespace)
    stop = stop or _stop_on_signals()
    certification = build_certification(settings)
    notifier = build_notifier(settings)
    activities = CertificationActivities(
        certification, notifier, reminder_policy(settings), settings.office_email
    )
    try:
        async with running_worker(
            client,
            settings.task_queue,
            activities,
            settings.worker_threads,
            settings.worker_cached_workflows,
        ):
            await stop.wait()
    finally:
        notifier.close()
        certification.close()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop
