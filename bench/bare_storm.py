"""The bare storm: what the reminder storm is compared with (issue 17, docs/benchmarks.md,
"Idle workflows"), and its worker process.

    python -c "from bench.bare_storm import main; main()" TEMPORAL_ADDRESS TASK_QUEUE RECORD_FILE

serves `BareStorm` on `<queue>` as `score worker` serves the journeys, with the settings of
the environment (SCORE_*, the bench passes its cluster's): the same sandbox, data converter,
interceptors (the activities' log context; tracing when configured), logging, graceful
shutdown, `SCORE_WORKER_THREADS` activity threads and as many activities and local
activities at once, and a cache of `SCORE_WORKER_CACHED_WORKFLOWS`. Each workflow sleeps
until the moment it is given, then runs one no-op local activity and one regular activity
(standing in for the reminder's e-mail), which appends the time it ran and its workflow's id
to `RECORD_FILE`: the bench counts the workflows found there as the outbox is counted for
the journeys. Started through `main`, not `python -m`: run as `__main__`, the module would be
loaded afresh from its file (and compiled) for every workflow the sandbox builds, where the
journeys' modules are imported by name. Alone in its module, as `bench.baseline` is: the
sandbox re-imports a workflow's module, so the worker's imports stay inside `serve`.
"""

from __future__ import annotations

import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=30)


@activity.defn(name="bare_storm_local")
def nothing() -> None:
    """The local activity: a no-op."""


class Record:
    """The regular activity: one line per run, the wall-clock time it ran and its workflow."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    @activity.defn(name="bare_storm_regular")
    def done(self) -> None:
        line = f"{time.time()} {activity.info().workflow_id}\n"
        with self._lock, self.path.open("a") as lines:
            lines.write(line)


def recorded(path: Path) -> dict[str, float]:
    """When each workflow's regular activity first ran, by workflow id, as `Record` wrote
    them: a workflow whose activity ran again (a retry) counts once. The last line may be
    half written while they run: it is left for the next read."""
    if not path.exists():
        return {}
    first: dict[str, float] = {}
    for line in path.read_text().split("\n")[:-1]:
        if line:
            at, workflow_id = line.split(" ", 1)
            first.setdefault(workflow_id, float(at))
    return first


@workflow.defn
class BareStorm:
    @workflow.run
    async def run(self, fire_at: datetime) -> None:
        await workflow.sleep(max(fire_at - workflow.now(), timedelta(0)))
        await workflow.execute_local_activity(nothing, start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity("bare_storm_regular", start_to_close_timeout=TIMEOUT)


async def serve(address: str, queue: str, record: Path) -> None:
    import asyncio
    import signal
    from concurrent.futures import ThreadPoolExecutor

    from temporalio.worker import Worker

    from service.bootstrap.telemetry import observe, temporal_interceptors
    from service.settings import Settings
    from workflows.observe import ActivityLogContext
    from workflows.sandbox import sandbox_runner
    from workflows.worker import GRACEFUL_SHUTDOWN, connect

    settings = Settings()
    observe("bare-storm", settings)  # the worker's logs, and traces if configured
    # The service's data converter and client interceptors; no SDK metrics runtime (the
    # bench sets no SCORE_TEMPORAL_METRICS_PORT, so neither has the service's worker).
    client = await connect(address, settings.temporal_namespace, temporal_interceptors())
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    threads = settings.worker_threads
    # The settings `workflows.worker.running_worker` gives the service's worker.
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="activity") as executor:
        worker = Worker(
            client,
            task_queue=queue,
            workflows=[BareStorm],
            activities=[nothing, Record(record).done],
            activity_executor=executor,
            max_concurrent_activities=threads,
            max_concurrent_local_activities=threads,
            graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
            workflow_runner=sandbox_runner(),
            max_cached_workflows=settings.worker_cached_workflows,
            interceptors=[ActivityLogContext()],
        )
        async with worker:
            print("bare storm: ready", flush=True)  # noqa: T201 - the parent waits for this line
            await stop.wait()


def main() -> None:
    """The worker process (see the module's docstring): arguments from `sys.argv`."""
    import asyncio
    import os

    address, queue, record = sys.argv[1:4]
    asyncio.run(serve(address, queue, Path(record)))
    sys.stdout.flush()
    os._exit(0)  # the SDK's threads can abort a clean exit (sdk-python#300)
