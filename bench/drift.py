"""T11: a step's latency at the end of one long journey over its start, beside a bare workflow
(median of the last 100 calls over the first 100)."""

from __future__ import annotations

import statistics
import time

from bench.baseline import Baseline
from bench.context import Context
from bench.people import http_client, prepared, send
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
    async with http_client(stack) as http, stack.bare_workflows(1) as (bare,):
        (candidate,) = await prepared(stack, http, 1)
        for _ in range(updates):
            request, start = candidate.next_step(), time.perf_counter()
            await send(http, request)
            steps.append(ms_since(start))
            start = time.perf_counter()
            await bare.execute_update(Baseline.bare)
            bares.append(ms_since(start))
    result.details.update(steps_ms=steps, bare_ms=bares)
    name = f"step drift over {updates} steps (last/first median)"
    target = (Target("<=", 1.5, "value"),)
    result.add(Figure(name, drift(steps), "×", "bare update drift", drift(bares), target))
