"""The baseline workflow, alone in its module: the sandbox re-imports a workflow's module,
so it must not drag the service's imports in (nor would it be a fair baseline)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow


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
        await workflow.execute_local_activity(nothing, start_to_close_timeout=timedelta(seconds=5))

    @workflow.update
    async def with_regular_activity(self) -> None:
        await workflow.execute_activity(nothing, start_to_close_timeout=timedelta(seconds=5))

    @workflow.signal
    def finish(self) -> None:
        self.done = True
