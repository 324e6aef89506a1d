"""(1) Step latency over HTTP, at 1 and at many concurrent clients, beside bare updates.

Blocks alternate within one run: bare update (U0), update awaiting a no-op local activity
(U0la), bare eventsourcing save (E0, same database), HTTP step. The concurrent phase
alternates bare updates over N empty workflows with HTTP steps by N candidates (one step
in flight each). The worker journals every save, and the projector every commit, so the
append inside a step and the live projection lag come from the same run.
"""

from __future__ import annotations

import time

import httpx

from bench.barestore import bare_save, bare_store
from bench.baseline_workflow import Baseline
from bench.context import Context
from bench.load import (
    CpuMeter,
    LoadRun,
    bare_load,
    bare_workflows,
    in_cycle,
    projection_lags,
    save_ms,
    step_load,
)
from bench.people import Candidate, http_client, send
from bench.profiling import sampled
from bench.report import FamilyResult, Figure, Target
from bench.stack.service import ServiceStack
from bench.stats import Summary, timed_calls, timed_sync

TITLE = "Step latency: HTTP step vs bare update, 1 and N clients"


async def measure(ctx: Context, result: FamilyResult) -> None:
    stack = await ctx.stack()
    async with http_client(stack) as http:
        await sequential(ctx, stack, http, result)
        await concurrent(ctx, stack, http, result)


async def sequential(
    ctx: Context, stack: ServiceStack, http: httpx.AsyncClient, result: FamilyResult
) -> None:
    scale = ctx.scale
    (candidate,) = await in_cycle(ctx, http, 1)
    # Enough visits and reports for every timed call, warm-ups included.
    script = iter(candidate.repeatable(scale.step_rounds * (scale.step_calls + 3) + 1))
    store = bare_store(stack.settings)
    u0: list[float] = []
    u0la: list[float] = []
    e0: list[float] = []
    step: list[float] = []
    windows: list[tuple[float, float]] = []
    try:
        async with bare_workflows(stack, 1) as (bare,):
            for _ in range(scale.step_rounds):
                u0 += await timed_calls(
                    scale.step_calls, lambda _: bare.execute_update(Baseline.bare)
                )
                u0la += await timed_calls(
                    scale.step_calls, lambda _: bare.execute_update(Baseline.with_local_activity)
                )
                e0 += timed_sync(scale.step_calls, lambda _: bare_save(store))
                started = time.monotonic()
                async with sampled(ctx, stack):
                    step += await timed_calls(scale.step_calls, lambda _: send(http, next(script)))
                windows.append((started, time.monotonic()))
    finally:
        store.close()
    saves = save_ms(stack, windows)
    s_u0, s_la, s_step, s_e0, s_save = (Summary.of(x) for x in (u0, u0la, step, e0, saves))
    result.details["sequential"] = {
        "U0": s_u0.as_dict(),
        "U0la": s_la.as_dict(),
        "E0": s_e0.as_dict(),
        "http_step": s_step.as_dict(),
        "save_in_step": s_save.as_dict(),
    }
    overhead = s_step.p50 - s_u0.p50
    result.figures += [
        Figure(
            "HTTP step p50, 1 client", s_step.p50, "ms", "U0la p50", s_la.p50, (Target("<=", 1.5),)
        ),
        Figure("HTTP step p95, 1 client", s_step.p95, "ms", "U0la p95", s_la.p95),
        Figure("HTTP step p99, 1 client", s_step.p99, "ms", "U0 p99", s_u0.p99, (Target("<=", 3),)),
        Figure(
            "our overhead p50 (step − U0)", overhead, "ms", "U0 p50", s_u0.p50, (Target("<=", 0.5),)
        ),
        Figure("HTTP step p50 vs bare update", s_step.p50, "ms", "U0 p50", s_u0.p50),
        Figure(
            "event append inside a step p50",
            s_save.p50,
            "ms",
            "E0 save() p50",
            s_e0.p50,
            (Target("<=", 1.5),),
        ),
    ]


async def concurrent(
    ctx: Context, stack: ServiceStack, http: httpx.AsyncClient, result: FamilyResult
) -> None:
    scale, clients = ctx.scale, ctx.scale.concurrent_clients
    candidates = await in_cycle(ctx, http, clients)
    bare, service, cpu = await alternate_loads(ctx, stack, http, candidates, scale.concurrent_steps)
    lags = projection_lags(stack, service.windows)
    s_bare, s_step = Summary.of(bare.latencies), Summary.of(service.latencies)
    s_lag = Summary.of(lags)
    bare_cpu = cpu["bare"].per_call_ms(len(bare.latencies))
    step_cpu = cpu["step"].per_call_ms(len(service.latencies))
    result.details["concurrent"] = {
        "clients": clients,
        "bare": s_bare.as_dict(),
        "bare_rate": bare.rate,
        "http_step": s_step.as_dict(),
        "step_rate": service.rate,
        "refused": service.refused,
        "projection_lag": s_lag.as_dict(),
        "cpu_ms_per_bare_update": bare_cpu,
        "cpu_ms_per_step": step_cpu,
    }
    u0 = result.details["sequential"]["U0"]
    n = f"{clients} clients"
    result.figures += [
        Figure(f"HTTP step p50, {n}", s_step.p50, "ms", f"bare p50, {n}", s_bare.p50),
        Figure(f"HTTP step p95, {n}", s_step.p95, "ms", f"bare p95, {n}", s_bare.p95),
        Figure(f"HTTP step p99, {n}", s_step.p99, "ms", f"bare p99, {n}", s_bare.p99),
        Figure(f"steps/s, {n}", service.rate, "/s", f"bare updates/s, {n}", bare.rate),
        Figure(f"steps refused, {n}", service.refusals, "", targets=(Target("<=", 0, "value"),)),
        Figure(f"live projection lag p50, {n}", s_lag.p50, "ms", "U0 p50 (1 client)", u0["p50"]),
        Figure(
            f"live projection lag p99, {n}",
            s_lag.p99,
            "ms",
            "U0 p99 (1 client)",
            u0["p99"],
            (Target("<=", 1.0),),
        ),
        Figure(
            "CPU per step, all processes",
            sum(step_cpu.values()),
            "ms",
            "per bare update",
            sum(bare_cpu.values()),
        ),
    ]
    result.figures += [
        Figure(f"  of which {name}", step_cpu[name], "ms", "bare", bare_cpu.get(name, 0.0))
        for name in step_cpu
    ]


async def alternate_loads(
    ctx: Context,
    stack: ServiceStack,
    http: httpx.AsyncClient,
    candidates: list[Candidate],
    calls: int,
) -> tuple[LoadRun, LoadRun, dict[str, CpuMeter]]:
    """Bare updates over as many empty workflows, then HTTP steps, in alternating halves."""
    bare, service = LoadRun(), LoadRun()
    cpu = {"bare": CpuMeter(stack.pids()), "step": CpuMeter(stack.pids())}
    halves = [calls // 2, calls - calls // 2]
    async with bare_workflows(stack, len(candidates)) as handles:
        for part in (h for h in halves if h):
            cpu["bare"].start()
            bare.merge(await bare_load(handles, part))
            cpu["bare"].stop()
            async with sampled(ctx, stack):
                cpu["step"].start()
                service.merge(await step_load(http, candidates, part))
                cpu["step"].stop()
    return bare, service, cpu
