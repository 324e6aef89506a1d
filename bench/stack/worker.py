"""The benchmark's worker process: the service's worker, plus the baselines beside it.

    python -m bench.stack.worker JOURNAL_DIR     (settings from SCORE_* variables)

Runs, in one process as `score worker` would run the first of them:
* the journey and standing workflows on SCORE_TASK_QUEUE, sandboxed (the service itself);
* the same on `<queue>-plain` without the sandbox (for the sandbox decision);
* the empty Baseline workflow on `<queue>-baseline`, sandboxed, and `<queue>-baseline-plain`
  without the sandbox: the bare updates every service figure is compared with.
Every event-store save is journaled: when it committed, how long it took, its last
notification id.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from bench.baseline_workflow import Baseline, nothing
from bench.stack.journal import APPENDS, Journal
from service.adapters.mail import build_notifier
from service.app.certification import Certification
from service.bootstrap.parts import build_certification
from service.settings import Settings
from workflows.activities import CertificationActivities
from workflows.sandbox import sandbox_runner
from workflows.worker import GRACEFUL_SHUTDOWN, WORKFLOWS, connect, running_worker


def journal_saves(app: Certification, journal: Journal) -> None:
    """Wrap `app.save` so that every append inside a step is timed and its position kept."""
    save: Callable[..., Any] = app.save

    def timed_save(*objects: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        recordings = save(*objects, **kwargs)
        if recordings:
            seconds = time.perf_counter() - started
            journal.write(seconds, recordings[-1].notification.id, len(recordings))
        return recordings

    setattr(app, "save", timed_save)  # noqa: B010 - instrumentation of this process only


@asynccontextmanager
async def baseline_worker(
    client: Client, queue: str, runner: WorkflowRunner
) -> AsyncIterator[Worker]:
    with ThreadPoolExecutor(4, thread_name_prefix="baseline") as executor:
        worker = Worker(
            client,
            task_queue=queue,
            workflows=[Baseline],
            activities=[nothing],
            activity_executor=executor,
            workflow_runner=runner,
        )
        async with worker:
            yield worker


@asynccontextmanager
async def plain_service_worker(
    client: Client, queue: str, activities: CertificationActivities, threads: int
) -> AsyncIterator[Worker]:
    """The service's worker as `running_worker` builds it, but without the sandbox."""
    with ThreadPoolExecutor(threads, thread_name_prefix="plain") as executor:
        worker = Worker(
            client,
            task_queue=queue,
            workflows=WORKFLOWS,
            activities=activities.all(),
            activity_executor=executor,
            max_concurrent_activities=threads,
            max_concurrent_local_activities=threads,
            graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
            workflow_runner=UnsandboxedWorkflowRunner(),
        )
        async with worker:
            yield worker


async def serve(journal_dir: Path) -> None:
    settings = Settings()
    assert settings.temporal_address, "SCORE_TEMPORAL_ADDRESS is required"
    client = await connect(settings.temporal_address)
    certification = build_certification(settings)
    journal = Journal(journal_dir / APPENDS)
    journal_saves(certification, journal)
    notifier = build_notifier(settings)
    activities = CertificationActivities(certification, notifier)
    queue, threads = settings.task_queue, settings.worker_threads
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    plain_runner = UnsandboxedWorkflowRunner()
    sandboxed: SandboxedWorkflowRunner = sandbox_runner()
    try:
        async with AsyncExitStack() as workers:
            await workers.enter_async_context(running_worker(client, queue, activities, threads))
            await workers.enter_async_context(
                plain_service_worker(client, f"{queue}-plain", activities, threads)
            )
            await workers.enter_async_context(
                baseline_worker(client, f"{queue}-baseline", sandboxed)
            )
            await workers.enter_async_context(
                baseline_worker(client, f"{queue}-baseline-plain", plain_runner)
            )
            print("worker: ready", flush=True)  # noqa: T201 - the parent waits for this line
            await stop.wait()
    finally:
        notifier.close()
        certification.close()
        journal.close()


if __name__ == "__main__":
    asyncio.run(serve(Path(sys.argv[1])))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # the SDK's threads can abort a clean exit (sdk-python#300)
