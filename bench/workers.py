"""Two workers against one on the same stack: steps/s at the step family's 32 clients, with one
`score worker` first (the baseline), then with a second one started beside it (docs/benchmarks.md,
"Two workers"). The stack keeps its second worker: the family runs after the others on it."""

from __future__ import annotations

import httpx

from bench.context import Context
from bench.people import Candidate, http_client, in_cycle, prepared, send
from bench.report import FamilyResult, Figure
from bench.steps import NONE_REFUSED, LoadRun

TITLE = "Two workers against one: steps/s"


async def measure(ctx: Context, result: FamilyResult) -> None:
    stack, clients = await ctx.stack(), ctx.scale.concurrent_clients
    async with http_client(stack, connections=clients + 8) as http:
        one = await steps(http, await in_cycle(ctx, http, clients), ctx.scale.concurrent_steps)
        await stack.cluster.start_worker()
        # Fresh journeys: a journey's workflow stays with the worker that has it cached (its
        # sticky queue), so only journeys begun now are shared between the two.
        fresh = await prepared(stack, http, clients)
        two = await steps(http, fresh, ctx.scale.concurrent_steps)
    n = f"{clients} clients"
    result.add(
        Figure(f"steps/s, {n}, two workers", two.rate, "/s", "one worker", one.rate),
        Figure(f"steps refused, {n}, two workers", two.refusals, "", targets=NONE_REFUSED),
    )


async def steps(http: httpx.AsyncClient, candidates: list[Candidate], calls: int) -> LoadRun:
    """Each candidate's client taking `calls` steps one after another, all clients at once."""
    run = LoadRun()
    await run.add(len(candidates), calls, lambda c, _: send(http, candidates[c].next_step()))
    return run
