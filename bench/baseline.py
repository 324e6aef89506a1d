"""The empty workflow every service figure is compared with, and its worker process.

    python -c "from bench.baseline import main; main()" TEMPORAL_ADDRESS TASK_QUEUE

serves `Baseline` on `<queue>` in the service's sandbox and on `<queue>-plain` without it.
Alone in its module: the sandbox re-imports a workflow's module, so it must not drag the
service's imports in (nor would it be a fair baseline); the worker's imports stay inside
`serve` for the same reason. Started through `main`, not `python -m`: run as `__main__`, the
module would be loaded again from its source for every workflow the sandbox builds, a cost
the service's workflows, imported by name, do not pay.
"""

from __future__ import annotations

import sys
from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=5)


@activity.defn
def nothing() -> None:
    """A no-op activity: what remains is the cost of running an activity at all."""


@workflow.defn
class Baseline:
    def __init__(self) -> None:
        self.done = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self.done)

    @workflow.update
    async def bare(self) -> None:
        return None

    @workflow.update
    async def with_local_activity(self) -> None:
        await workflow.execute_local_activity(nothing, start_to_close_timeout=TIMEOUT)

    @workflow.update
    async def with_regular_activity(self) -> None:
        await workflow.execute_activity(nothing, start_to_close_timeout=TIMEOUT)

    @workflow.signal
    def finish(self) -> None:
        self.done = True


async def serve(address: str, queue: str) -> None:
    import asyncio
    import signal
    from concurrent.futures import ThreadPoolExecutor
    from contextlib import AsyncExitStack

    from temporalio.client import Client
    from temporalio.worker import UnsandboxedWorkflowRunner, Worker

    from workflows.sandbox import sandbox_runner

    client = await Client.connect(address)
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    runners = {queue: sandbox_runner(), f"{queue}-plain": UnsandboxedWorkflowRunner()}
    with ThreadPoolExecutor(4) as executor:
        async with AsyncExitStack() as workers:
            for name, runner in runners.items():
                worker = Worker(
                    client,
                    task_queue=name,
                    workflows=[Baseline],
                    activities=[nothing],
                    activity_executor=executor,
                    workflow_runner=runner,
                )
                await workers.enter_async_context(worker)
            print("baseline: ready", flush=True)  # noqa: T201 - the parent waits for this line
            await stop.wait()


def main() -> None:
    """The worker process (see the module's docstring): arguments from `sys.argv`."""
    import asyncio
    import os

    asyncio.run(serve(sys.argv[1], sys.argv[2]))
    sys.stdout.flush()
    os._exit(0)  # the SDK's threads can abort a clean exit (sdk-python#300)
