"""Steps over HTTP beside bare updates at 1 client (T1–T3, T5), 32 clients (steps/s, CPU per
step, T9 lag) and 50 candidates (T4); method in docs/benchmarks.md."""

from __future__ import annotations

import time

import httpx

from bench.baseline import Baseline
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
from bench.people import http_client, send
from bench.profiling import sampled
from bench.rawsql import bare_save, bare_store
from bench.report import FamilyResult, Figure, Target
from bench.stack.service import ServiceStack
from bench.stats import Summary, timed_calls

TITLE = "Step latency: HTTP step vs bare update, 1 and 32 clients"
LOAD_TITLE = "Concurrent candidates: step rate vs bare update rate (C0)"
CLIENT = "client"  # the load generator: not one of the service's processes


async def measure(ctx: Context, result: FamilyResult) -> None:
    stack = await ctx.stack()
    async with http_client(stack) as http:
        await sequential(ctx, stack, http, result)
        clients = ctx.scale.concurrent_clients
        run = await concurrent(ctx, stack, http, clients, ctx.scale.concurrent_steps)
    bare, service, _, cpu = run
    s_bare, s_step = Summary.of(bare.latencies), Summary.of(service.latencies)
    s_lag = Summary.of(projection_lags(stack, service.windows))
    bare_cpu = cpu["bare"].per_call_ms(len(bare.latencies))
    step_cpu = cpu["step"].per_call_ms(len(service.latencies))
    u0 = result.details["sequential"]["U0"]
    result.details["concurrent"] = {
        "clients": clients,
        "bare": s_bare.as_dict(),
        "http_step": s_step.as_dict(),
        "projection_lag": s_lag.as_dict(),
        "cpu_ms_per_bare_update": bare_cpu,
        "cpu_ms_per_step": step_cpu,
    }
    n = f"{clients} clients"
    result.figures += [
        Figure(f"HTTP step p50, {n}", s_step.p50, "ms", f"bare p50, {n}", s_bare.p50),
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
            "CPU per step, the service's processes",
            sum(v for k, v in step_cpu.items() if k != CLIENT),
            "ms",
            "per bare update",
            sum(v for k, v in bare_cpu.items() if k != CLIENT),
        ),
    ]
    result.figures += [
        Figure(f"  of which {name}", step_cpu[name], "ms", "bare", bare_cpu.get(name, 0.0))
        for name in step_cpu
    ]


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

    async def save(_: int) -> None:
        bare_save(store)

    try:
        async with bare_workflows(stack, 1) as (bare,):
            for _ in range(scale.step_rounds):
                u0 += await timed_calls(
                    scale.step_calls, lambda _: bare.execute_update(Baseline.bare)
                )
                u0la += await timed_calls(
                    scale.step_calls, lambda _: bare.execute_update(Baseline.with_local_activity)
                )
                e0 += await timed_calls(scale.step_calls, save)
                started = time.monotonic()
                async with sampled(ctx, stack):
                    step += await timed_calls(scale.step_calls, lambda _: send(http, next(script)))
                windows.append((started, time.monotonic()))
    finally:
        store.close()
    s_u0, s_la, s_step, s_e0 = (Summary.of(x) for x in (u0, u0la, step, e0))
    s_save = Summary.of(save_ms(stack, windows))
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
        Figure("HTTP step p99, 1 client", s_step.p99, "ms", "U0 p99", s_u0.p99, (Target("<=", 3),)),
        Figure(
            "our overhead p50 (step − U0)", overhead, "ms", "U0 p50", s_u0.p50, (Target("<=", 0.5),)
        ),
        Figure(
            "event append inside a step p50",
            s_save.p50,
            "ms",
            "E0 save() p50",
            s_e0.p50,
            (Target("<=", 1.5),),
        ),
    ]


async def measure_load(ctx: Context, result: FamilyResult) -> None:
    """T4: 50 candidates, one step in flight each, beside C0 and bare updates with a local
    activity at as many callers; a refused step is counted, not retried."""
    stack = await ctx.stack()
    clients = ctx.scale.load_clients
    async with http_client(stack, connections=clients + 8) as http:
        bare, service, bare_la, _ = await concurrent(
            ctx, stack, http, clients, ctx.scale.load_steps, local_activity=True
        )
    s_bare, s_step = Summary.of(bare.latencies), Summary.of(service.latencies)
    result.details.update(clients=clients, bare=s_bare.as_dict(), step=s_step.as_dict())
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
        Figure(f"steps refused, {n}", service.refusals, "", targets=(Target("<=", 0, "value"),)),
    ]


async def concurrent(
    ctx: Context,
    stack: ServiceStack,
    http: httpx.AsyncClient,
    clients: int,
    calls: int,
    *,
    local_activity: bool = False,
) -> tuple[LoadRun, LoadRun, LoadRun, dict[str, CpuMeter]]:
    """Bare updates over as many empty workflows, then HTTP steps, in alternating halves:
    (bare, steps, bare with a local activity if asked, CPU per block kind)."""
    candidates = await in_cycle(ctx, http, clients)
    bare, service, bare_la = LoadRun(), LoadRun(), LoadRun()
    # The bare worker is the baseline process; the service's worker idles meanwhile.
    pids = stack.pids()
    bare_worker = pids.pop("baseline")
    cpu = {"bare": CpuMeter(pids | {"worker": bare_worker}), "step": CpuMeter(pids)}
    async with bare_workflows(stack, clients) as handles:
        for part in (h for h in (calls // 2, calls - calls // 2) if h):
            with cpu["bare"]:
                bare.merge(await bare_load(handles, part))
            if local_activity:
                bare_la.merge(await bare_load(handles, part, local_activity=True))
            async with sampled(ctx, stack):
                with cpu["step"]:
                    service.merge(await step_load(http, candidates, part))
    return bare, service, bare_la, cpu
