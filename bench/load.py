"""Shared by the Temporal families: bare baselines, prepared candidates, concurrent loads."""

from __future__ import annotations

import asyncio
import bisect
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
from temporalio.client import WorkflowHandle

from bench.baseline import Baseline
from bench.context import Context, cpu_seconds
from bench.people import Candidate, Cohort, StepRefused, enrol, send, walk
from bench.stack.service import ServiceStack
from bench.stats import ms_since

BareHandle = WorkflowHandle[Baseline, None]
NO_ANSWER = 0  # counted as a refusal: the connection failed before an HTTP status came back


@asynccontextmanager
async def bare_workflows(
    stack: ServiceStack, count: int, *, sandboxed: bool = True
) -> AsyncIterator[list[BareHandle]]:
    """`count` empty workflows waiting for updates; finished when the block ends."""
    queue = stack.baseline_queue(sandboxed=sandboxed)
    handles = await asyncio.gather(
        *(
            stack.client.start_workflow(
                Baseline.run, id=f"bare-{uuid.uuid4().hex[:12]}", task_queue=queue
            )
            for _ in range(count)
        )
    )
    try:
        # One update each, so that every workflow is in the worker's cache before timing.
        await asyncio.gather(*(h.execute_update(Baseline.bare) for h in handles))
        yield list(handles)
    finally:
        await asyncio.gather(*(h.signal(Baseline.finish) for h in handles))


async def prepared(cohort: Cohort, http: httpx.AsyncClient, count: int) -> list[Candidate]:
    """Candidates enrolled and taken into their ToE cycle through HTTP, in parallel."""
    candidates = cohort.candidates(count)

    async def ready(candidate: Candidate) -> None:
        await enrol(http, candidate)
        await walk(http, candidate.into_cycle())

    await asyncio.gather(*(ready(c) for c in candidates))
    return candidates


async def in_cycle(ctx: Context, http: httpx.AsyncClient, count: int) -> list[Candidate]:
    """`count` candidates in their ToE cycle, reusing those that earlier families prepared."""
    missing = count - len(ctx.pool)
    if missing > 0:
        ctx.pool += await prepared(Cohort(await ctx.stack()), http, missing)
    return ctx.pool[:count]


class CpuMeter:
    """CPU seconds each process spends inside `with meter:` blocks (the bench process too)."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = {**pids, "client": os.getpid()}
        self.spent: dict[str, float] = dict.fromkeys(self.pids, 0.0)
        self._at: dict[str, float] = {}

    def __enter__(self) -> None:
        self._at = {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    def __exit__(self, *_: object) -> None:
        for name, pid in self.pids.items():
            self.spent[name] += cpu_seconds(pid) - self._at[name]

    def per_call_ms(self, calls: int) -> dict[str, float]:
        return {name: 1000 * s / calls for name, s in self.spent.items()} if calls else {}


@dataclass
class LoadRun:
    """Latencies (ms) of every call, the windows it ran in, and calls refused (e.g. 409)."""

    latencies: list[float] = field(default_factory=list)
    refused: dict[int, int] = field(default_factory=dict)
    windows: list[tuple[float, float]] = field(default_factory=list)  # time.monotonic()

    @property
    def seconds(self) -> float:
        return sum(end - start for start, end in self.windows)

    @property
    def rate(self) -> float:
        """Calls answered per second of running (gaps between merged runs left out)."""
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def refusals(self) -> int:
        return sum(self.refused.values())

    def merge(self, other: LoadRun) -> None:
        self.latencies += other.latencies
        self.windows += other.windows
        for status, count in other.refused.items():
            self.refused[status] = self.refused.get(status, 0) + count


async def concurrently(
    clients: int, calls: int, call: Callable[[int, int], Awaitable[None]]
) -> LoadRun:
    """`clients` callers, each making `calls` calls one after another."""
    run = LoadRun()

    async def client(c: int) -> None:
        for i in range(calls):
            start = time.perf_counter()
            try:
                await call(c, i)
            except StepRefused as refused:
                run.refused[refused.status] = run.refused.get(refused.status, 0) + 1
                continue
            except httpx.TransportError:
                run.refused[NO_ANSWER] = run.refused.get(NO_ANSWER, 0) + 1
                continue
            run.latencies.append(ms_since(start))

    started = time.monotonic()
    await asyncio.gather(*(client(c) for c in range(clients)))
    run.windows.append((started, time.monotonic()))
    return run


async def bare_load(
    handles: list[BareHandle], calls: int, *, local_activity: bool = False
) -> LoadRun:
    update = Baseline.with_local_activity if local_activity else Baseline.bare

    async def call(c: int, _i: int) -> None:
        await handles[c].execute_update(update)

    return await concurrently(len(handles), calls, call)


async def step_load(http: httpx.AsyncClient, candidates: list[Candidate], calls: int) -> LoadRun:
    """Each candidate takes `calls` steps (visits and reports), one in flight at a time."""
    scripts = [c.repeatable(calls + (c.steps_taken % 2)) for c in candidates]
    offsets = [c.steps_taken % 2 for c in candidates]  # keep visit/report alternating

    async def call(c: int, i: int) -> None:
        await send(http, scripts[c][i + offsets[c]])

    run = await concurrently(len(candidates), calls, call)
    for c in candidates:
        c.steps_taken += calls
    return run


def projection_lags(stack: ServiceStack, windows: list[tuple[float, float]]) -> list[float]:
    """Milliseconds from each save's commit (in a window) to the projector's commit of it."""
    commits = stack.commits()
    times = [row[0] for row in commits]
    positions = [int(row[1]) for row in commits]
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


def save_ms(stack: ServiceStack, windows: list[tuple[float, float]]) -> list[float]:
    """How long each save inside a step took, in the worker (ms)."""
    return [row[1] * 1000 for s, u in windows for row in stack.appends(s, u)]
