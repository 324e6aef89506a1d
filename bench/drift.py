"""T11: a step's latency at the end of one long journey over its start, beside a bare workflow
(median of the last 100 calls over the first 100)."""

from __future__ import annotations

import statistics
import time

from bench.baseline import Baseline
from bench.context import Context
from bench.load import bare_workflows, prepared
from bench.people import Cohort, http_client, send
from bench.report import FamilyResult, Figure, Target
from bench.stats import ms_since

TITLE = "Latency drift along one long journey vs along one bare workflow run"


def drift(samples: list[float]) -> float:
    """Median of the last 100 (or tenth) over the median of the first ones."""
    window = min(100, max(1, len(samples) // 10))
    return statistics.median(samples[-window:]) / statistics.median(samples[:window])


async def measure(ctx: Context, result: FamilyResult) -> None:
    stack = await ctx.stack()
    updates = ctx.scale.drift_updates
    steps: list[float] = []
    bares: list[float] = []
    async with http_client(stack) as http, bare_workflows(stack, 1) as (bare,):
        (candidate,) = await prepared(Cohort(stack), http, 1)
        for request in candidate.repeatable(updates):
            start = time.perf_counter()
            await send(http, request)
            steps.append(ms_since(start))
            start = time.perf_counter()
            await bare.execute_update(Baseline.bare)
            bares.append(ms_since(start))
    step_drift, bare_drift = drift(steps), drift(bares)
    result.details.update(updates=updates, steps_ms=steps, bare_ms=bares)
    result.figures += [
        Figure(
            f"step drift over {updates} steps (last/first median)",
            step_drift,
            "×",
            "bare update drift",
            bare_drift,
            (Target("<=", 1.5, "value"),),
        ),
    ]
