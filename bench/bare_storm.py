"""The bare storm: what the reminder storm is compared with (issue 17, docs/benchmarks.md,
"Idle workflows"), and its worker process.

    python -m bench.bare_storm TEMPORAL_ADDRESS TASK_QUEUE THREADS CACHED RECORD_FILE

serves `BareStorm` on `<queue>` with the service worker's settings: the same sandbox, the
same data converter, `THREADS` activity threads and as many activities and local activities
at once, and a cache of `CACHED` workflows. Each workflow sleeps until the moment it is
given, then runs one no-op local activity and one regular activity (standing in for the
reminder's e-mail), which appends the time it ran to `RECORD_FILE`: the bench counts those
lines as the outbox is counted for the journeys. Alone in its module, as `bench.baseline`
is: the sandbox re-imports a workflow's module, so the worker's imports stay inside `serve`.
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
    """The regular activity: one line per completed workflow, the wall-clock time it ran."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    @activity.defn(name="bare_storm_regular")
    def done(self) -> None:
        with self._lock, self.path.open("a") as lines:
            lines.write(f"{time.time()}\n")


def recorded(path: Path) -> list[float]:
    """The times the regular activities ran, as `Record` wrote them (the last line may be
    half written while they run: it is left for the next read)."""
    if not path.exists():
        return []
    return [float(line) for line in path.read_text().split("\n")[:-1] if line]


@workflow.defn
class BareStorm:
    @workflow.run
    async def run(self, fire_at: datetime) -> None:
        await workflow.sleep(max(fire_at - workflow.now(), timedelta(0)))
        await workflow.execute_local_activity(nothing, start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity("bare_storm_regular", start_to_close_timeout=TIMEOUT)


async def serve(address: str, queue: str, threads: int, cached: int, record: Path) -> None:
    import asyncio
    import signal
    from concurrent.futures import ThreadPoolExecutor

    from temporalio.worker import Worker

    from workflows.sandbox import sandbox_runner
    from workflows.worker import connect

    client = await connect(address)  # the service's data converter
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
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
            workflow_runner=sandbox_runner(),
            max_cached_workflows=cached,
        )
        async with worker:
            print("bare storm: ready", flush=True)  # noqa: T201 - the parent waits for this line
            await stop.wait()


if __name__ == "__main__":
    import asyncio
    import os

    address, queue, threads, cached, record = sys.argv[1:6]
    asyncio.run(serve(address, queue, int(threads), int(cached), Path(record)))
    sys.stdout.flush()
    os._exit(0)  # the SDK's threads can abort a clean exit (sdk-python#300)
