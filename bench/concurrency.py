"""T4: many candidates stepping at once, one step in flight each, beside bare updates.

The baseline (C0) is the bare update rate with as many callers over as many empty
workflows; blocks alternate. A refused step (503: another step in flight, or Temporal's
in-flight cap) is counted, not retried.
"""

from __future__ import annotations

from bench.context import Context
from bench.load import LoadRun, bare_load, bare_workflows, in_cycle, step_load
from bench.people import http_client
from bench.report import FamilyResult, Figure, Target
from bench.stats import Summary

TITLE = "Concurrent candidates: step rate vs bare update rate (C0)"


async def measure(ctx: Context, result: FamilyResult) -> None:
    stack = await ctx.stack()
    clients, calls = ctx.scale.load_clients, ctx.scale.load_steps
    async with http_client(stack, connections=clients + 8) as http:
        candidates = await in_cycle(ctx, http, clients)
        bare, bare_la, service = LoadRun(), LoadRun(), LoadRun()
        async with bare_workflows(stack, clients) as handles:
            for part in (calls // 2, calls - calls // 2):
                bare.merge(await bare_load(handles, part))
                bare_la.merge(await bare_load(handles, part, local_activity=True))
                service.merge(await step_load(http, candidates, part))
    s_bare, s_step = Summary.of(bare.latencies), Summary.of(service.latencies)
    result.details.update(
        clients=clients,
        bare=s_bare.as_dict(),
        bare_rate=bare.rate,
        step=s_step.as_dict(),
        step_rate=service.rate,
        refused=service.refused,
        bare_refused=bare.refused,
        bare_la_rate=bare_la.rate,
    )
    n = f"{clients} candidates"
    result.figures += [
        Figure(
            f"steps/s, {n}",
            service.rate,
            "/s",
            "C0 bare updates/s",
            bare.rate,
            (Target(">=", 0.5),),
        ),
        Figure(
            f"steps/s, {n}", service.rate, "/s", "bare updates + local activity/s", bare_la.rate
        ),
        Figure(f"step p50, {n}", s_step.p50, "ms", "bare p50", s_bare.p50),
        Figure(f"step p99, {n}", s_step.p99, "ms", "bare p99", s_bare.p99),
        Figure(f"steps refused, {n}", service.refusals, "", targets=(Target("<=", 0, "value"),)),
    ]
