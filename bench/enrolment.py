"""T10: enrolment (an update-with-start) over HTTP beside a bare start_workflow (S0)."""

from __future__ import annotations

import uuid

from temporalio.client import WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy

from bench.baseline import Baseline
from bench.context import Context
from bench.people import Cohort, enrol, http_client
from bench.report import FamilyResult, Target
from bench.stats import Summary, timed_calls

TITLE = "Enrolment: HTTP update-with-start vs bare start_workflow (S0)"
USE_EXISTING = WorkflowIDConflictPolicy.USE_EXISTING
# S0 waits for no workflow task; the second baseline has the enrolment's own shape.


async def measure(ctx: Context, result: FamilyResult) -> None:
    stack = await ctx.stack()
    calls = ctx.scale.enrol_calls
    candidates = iter(Cohort(stack).candidates(2 * (calls // 2 + 3) + 6))
    queue, client = stack.baseline_queue(), stack.cluster.client
    assert client is not None
    started: list[str] = []

    async def bare_start(_: int) -> None:
        workflow_id = f"s0-{uuid.uuid4()}"
        started.append(workflow_id)
        await client.start_workflow(Baseline.run, id=workflow_id, task_queue=queue)

    async def bare_start_with_update(_: int) -> None:
        """The enrolment's shape on the empty workflow: update-with-start, local activity."""
        workflow_id = f"uws0-{uuid.uuid4()}"
        started.append(workflow_id)
        start = WithStartWorkflowOperation(
            Baseline.run, id=workflow_id, task_queue=queue, id_conflict_policy=USE_EXISTING
        )
        update = Baseline.with_local_activity
        await client.execute_update_with_start_workflow(update, start_workflow_operation=start)

    s0: list[float] = []
    uws0_ms: list[float] = []
    enrolments: list[float] = []
    async with http_client(stack) as http:
        for part in (calls // 2, calls - calls // 2):
            s0 += await timed_calls(part, bare_start)
            uws0_ms += await timed_calls(part, bare_start_with_update)
            enrolments += await timed_calls(part, lambda _: enrol(http, next(candidates)))
    for workflow_id in started:
        await client.get_workflow_handle(workflow_id).signal(Baseline.finish)
    s_enrol = Summary.of(enrolments)
    result.pair("enrolment (HTTP)", s_enrol, "S0", Summary.of(s0), p50=(Target("<=", 1.5),))
    uws0 = "bare update-with-start + local activity"
    result.pair("enrolment (HTTP)", s_enrol, uws0, Summary.of(uws0_ms), p50=(Target("<=", 1.3),))
