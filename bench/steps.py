"""Steps over HTTP beside bare updates at 1 client (T1–T3, T5), 32 clients (steps/s, CPU per
step, T9 lag) and 50 candidates (T4), and a burst of steps sent together on shared journeys
(first-try refusals); method in docs/benchmarks.md."""

from __future__ import annotations

import asyncio
import bisect
import os
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
from temporalio.workflow import UpdateMethodMultiParam

from bench.baseline import Baseline
from bench.context import BareHandle, Context, Stack, cpu_seconds
from bench.people import StepRefused, http_client, in_cycle, send
from bench.rawsql import bare_save, bare_store
from bench.report import FamilyResult, Figure, Target
from bench.stats import Summary, ms_since, timed_calls

TITLE = "Step latency: HTTP step vs bare update, 1 and 32 clients"
LOAD_TITLE = "Concurrent candidates: step rate vs bare update rate (C0)"
CLIENT = "client"  # the load generator: not one of the service's processes
NO_ANSWER = 0  # counted as a refusal: the connection failed before an HTTP status came back
NONE_REFUSED = (Target("<=", 0, "value"),)
HALF_RATE = (Target(">=", 0.5),)
# The burst: 200 steps over 50 journeys, four sent together on each.
BURST_PER_JOURNEY = 4


async def measure(ctx: Context, result: FamilyResult) -> None:
    stack, clients = await ctx.stack(), ctx.scale.concurrent_clients
    async with http_client(stack) as http:
        u0 = await sequential(ctx, stack, http, result)
        run = await concurrent(ctx, http, clients, ctx.scale.concurrent_steps)
    lag = Summary.of(projection_lags(stack, run.steps.windows))
    n = f"{clients} clients"
    result.pair(f"HTTP step, {n}", run.steps.summary, f"bare, {n}", run.bare.summary)
    result.pair(f"live projection lag, {n}", lag, "U0 (1 client)", u0, p99=(Target("<=", 1.0),))
    result.add(
        Figure(
            f"steps/s, {n}", run.steps.rate, "/s", f"bare updates/s, {n}", run.bare.rate, HALF_RATE
        ),
        Figure(f"steps refused, {n}", run.steps.refusals, "", targets=NONE_REFUSED),
    )
    step_cpu = run.cpu["step"].per_call_ms(len(run.steps.latencies))
    bare_cpu = run.cpu["bare"].per_call_ms(len(run.bare.latencies))
    result.details["cpu_ms"] = {"per_step": step_cpu, "per_bare_update": bare_cpu}
    ours, bare_ours = ({k: v for k, v in c.items() if k != CLIENT} for c in (step_cpu, bare_cpu))
    cpu = "CPU per step, the service's processes"
    twice = (Target("<=", 2.0),)
    result.add(
        Figure(cpu, sum(ours.values()), "ms", "per bare update", sum(bare_ours.values()), twice)
    )
    result.add(*(Figure(f"  of which {k}", v, "ms", "bare", bare_cpu[k]) for k, v in ours.items()))
    journeys = ctx.scale.load_clients
    refused, sent = await burst(ctx, stack, journeys)
    result.add(
        Figure(
            f"first-try refusals, {sent} steps sent together over {journeys} journeys",
            100 * refused / sent,
            "%",
            targets=NONE_REFUSED,
        )
    )


async def burst(ctx: Context, stack: Stack, journeys: int) -> tuple[int, int]:
    """`BURST_PER_JOURNEY` steps sent at the same moment to each of `journeys` journeys, each
    on a connection of its own: how many were not taken at the first try, of how many."""
    sent = journeys * BURST_PER_JOURNEY
    async with http_client(stack, connections=sent) as http:
        candidates = await in_cycle(ctx, http, journeys)
        requests = [c.next_step() for c in candidates for _ in range(BURST_PER_JOURNEY)]
        replies = await asyncio.gather(*(send(http, r) for r in requests), return_exceptions=True)
    for reply in replies:
        if isinstance(reply, BaseException) and not isinstance(
            reply, StepRefused | httpx.TransportError
        ):
            raise reply
    return sum(isinstance(reply, BaseException) for reply in replies), sent


async def sequential(
    ctx: Context, stack: Stack, http: httpx.AsyncClient, result: FamilyResult
) -> Summary:
    """T1–T3, T5 at one client, the blocks alternating; U0, for the lag."""
    rounds, calls = ctx.scale.step_rounds, ctx.scale.step_calls
    (candidate,) = await in_cycle(ctx, http, 1)
    store = bare_store(stack.cluster.settings)
    u0: list[float] = []
    u0la: list[float] = []
    e0: list[float] = []
    step: list[float] = []
    windows: list[tuple[float, float]] = []

    async def save(_: int) -> None:
        bare_save(store)

    try:
        async with stack.bare_workflows(1) as (bare,):
            for _ in range(rounds):
                u0 += await timed_calls(calls, lambda _: bare.execute_update(Baseline.bare))
                u0la += await timed_calls(
                    calls, lambda _: bare.execute_update(Baseline.with_local_activity)
                )
                e0 += await timed_calls(calls, save)
                started = time.monotonic()
                async with ctx.sampled():
                    step += await timed_calls(calls, lambda _: send(http, candidate.next_step()))
                windows.append((started, time.monotonic()))
    finally:
        store.close()
    s_u0, s_la, s_step, s_e0 = (Summary.of(x) for x in (u0, u0la, step, e0))
    s_save = Summary.of([row[1] * 1000 for s, u in windows for row in stack.appends(s, u)])
    result.keep(U0=s_u0, U0la=s_la, E0=s_e0, http_step=s_step, save_in_step=s_save)
    overhead = s_step.p50 - s_u0.p50
    t1, t2, t3, t5 = (Target("<=", x) for x in (1.5, 3, 0.5, 1.5))
    result.add(
        Figure("HTTP step p50, 1 client", s_step.p50, "ms", "U0la p50", s_la.p50, (t1,)),
        Figure("HTTP step p99, 1 client", s_step.p99, "ms", "U0 p99", s_u0.p99, (t2,)),
        Figure("our overhead p50 (step − U0)", overhead, "ms", "U0 p50", s_u0.p50, (t3,)),
        Figure(
            "event append inside a step p50", s_save.p50, "ms", "E0 save() p50", s_e0.p50, (t5,)
        ),
    )
    return s_u0


async def measure_load(ctx: Context, result: FamilyResult) -> None:
    """T4: 50 candidates, one step in flight each, beside C0 and bare updates with a local
    activity at as many callers; a refused step is counted, not retried."""
    stack, clients = await ctx.stack(), ctx.scale.load_clients
    async with http_client(stack, connections=clients + 8) as http:
        run = await concurrent(ctx, http, clients, ctx.scale.load_steps, local=True)
    n = f"{clients} candidates"
    rate = run.steps.rate
    result.pair(f"step, {n}", run.steps.summary, "bare", run.bare.summary)
    result.add(
        Figure(f"steps/s, {n}", rate, "/s", "C0 bare updates/s", run.bare.rate, HALF_RATE),
        Figure(f"steps/s, {n}", rate, "/s", "bare updates + local activity/s", run.bare_la.rate),
        Figure(f"steps refused, {n}", run.steps.refusals, "", targets=NONE_REFUSED),
    )


class CpuMeter:
    """CPU seconds each process spends inside `with meter:` blocks (the bench process too)."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids, self.spent = {**pids, CLIENT: os.getpid()}, Counter[str]()

    def now(self) -> Counter[str]:
        return Counter({name: cpu_seconds(pid) for name, pid in self.pids.items()})

    def __enter__(self) -> None:
        self.spent.subtract(self.now())  # Counter's `-=` would drop what is not positive

    def __exit__(self, *_: object) -> None:
        self.spent.update(self.now())

    def per_call_ms(self, calls: int) -> dict[str, float]:
        return {name: 1000 * self.spent[name] / calls for name in self.pids} if calls else {}


@dataclass
class LoadRun:
    """Latencies (ms) of every call, the windows it ran in, and calls refused (e.g. 409)."""

    latencies: list[float] = field(default_factory=list)
    refused: Counter[int] = field(default_factory=Counter)
    windows: list[tuple[float, float]] = field(default_factory=list)  # time.monotonic()

    @property
    def summary(self) -> Summary:
        return Summary.of(self.latencies)

    @property
    def rate(self) -> float:
        """Calls answered per second of running (gaps between the blocks left out)."""
        seconds = sum(end - start for start, end in self.windows)
        return len(self.latencies) / seconds if seconds else 0.0

    @property
    def refusals(self) -> int:
        return self.refused.total()

    async def add(self, clients: int, calls: int, call: Call) -> None:
        """`clients` callers, each making `calls` calls one after another."""

        async def client(c: int) -> None:
            for i in range(calls):
                start = time.perf_counter()
                try:
                    await call(c, i)
                except (StepRefused, httpx.TransportError) as refused:
                    self.refused[getattr(refused, "status", NO_ANSWER)] += 1
                    continue
                self.latencies.append(ms_since(start))

        started = time.monotonic()
        await asyncio.gather(*(client(c) for c in range(clients)))
        self.windows.append((started, time.monotonic()))


@dataclass
class Concurrent:
    bare: LoadRun = field(default_factory=LoadRun)
    steps: LoadRun = field(default_factory=LoadRun)
    bare_la: LoadRun = field(default_factory=LoadRun)  # bare updates with a local activity
    cpu: dict[str, CpuMeter] = field(default_factory=dict)  # "bare" and "step" blocks


async def concurrent(
    ctx: Context, http: httpx.AsyncClient, clients: int, calls: int, *, local: bool = False
) -> Concurrent:
    """Bare updates over as many empty workflows, then HTTP steps, in alternating halves (and
    bare updates with a local activity, if `local`), CPU read around each block."""
    stack, candidates = await ctx.stack(), await in_cycle(ctx, http, clients)
    pids = stack.pids()
    bare_worker = pids.pop("baseline")  # the bare blocks' worker; the service's idles then
    run = Concurrent(cpu={"bare": CpuMeter(pids | {"worker": bare_worker}), "step": CpuMeter(pids)})
    async with stack.bare_workflows(clients) as handles:
        for part in (h for h in (calls // 2, calls - calls // 2) if h):
            with run.cpu["bare"]:
                await run.bare.add(clients, part, bare_update(handles, Baseline.bare))
            if local:
                await run.bare_la.add(
                    clients, part, bare_update(handles, Baseline.with_local_activity)
                )
            async with ctx.sampled():
                with run.cpu["step"]:
                    await run.steps.add(
                        clients, part, lambda c, _: send(http, candidates[c].next_step())
                    )
    return run


Call = Callable[[int, int], Awaitable[object]]  # (client, call number)


def bare_update(
    handles: list[BareHandle], update: UpdateMethodMultiParam[[Baseline], None]
) -> Call:
    return lambda c, _i: handles[c].execute_update(update)


def projection_lags(stack: Stack, windows: list[tuple[float, float]]) -> list[float]:
    """Milliseconds from each save's commit (in a window) to the projector's commit of it."""
    commits = stack.commits()
    times, positions = [row[0] for row in commits], [int(row[1]) for row in commits]
    lags = []
    for since, until in windows:
        for t, _seconds, last_id, _events in stack.appends(since, until):
            # Positions only grow: the first commit at or past this id, after the save.
            index = bisect.bisect_left(positions, int(last_id))
            while index < len(times) and times[index] < t:
                index += 1
            if index < len(times):
                lags.append((times[index] - t) * 1000)
    return lags
