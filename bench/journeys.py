"""(2) Whole journeys per minute: scripted clients drive enrolment → certificate over HTTP.

Each client takes candidates one after another through every step (enrolment, ToT result,
a ToE cycle, the expert's assessment, certification, which also starts the trainer's
standing workflow). The bare equivalent is the bare update rate of as many callers, divided
by the requests a journey makes.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from bench.context import Context
from bench.load import bare_load, bare_workflows
from bench.people import Candidate, Cohort, enrol, http_client, walk
from bench.report import FamilyResult, Figure
from bench.stats import Summary, ms_since

TITLE = "Journey throughput: enrolment to certificate, concurrent clients"
# Enrolment, ToT result, selection, baseline, classroom, visit, report, assessment, certificate.
REQUESTS_PER_JOURNEY = 9


async def measure(ctx: Context, result: FamilyResult) -> None:
    stack = await ctx.stack()
    clients, seconds = ctx.scale.journey_clients, ctx.scale.journey_seconds
    cohort = Cohort(stack)
    # Enough candidates that no client runs out; only the finished journeys are counted.
    pool = cohort.candidates(clients * (int(seconds) + 4))
    durations: list[float] = []
    async with http_client(stack) as http:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(
            *(client(http, pool[i::clients], deadline, durations) for i in range(clients))
        )
        elapsed = time.monotonic() - started
        async with bare_workflows(stack, clients) as handles:
            bare = await bare_load(handles, 20)
    requests = REQUESTS_PER_JOURNEY
    per_minute = len(durations) / elapsed * 60
    bare_equivalent = bare.rate / requests * 60
    journey = Summary.of(durations)
    result.details.update(
        clients=clients,
        seconds=elapsed,
        journeys=len(durations),
        journey_ms=journey.as_dict(),
        requests_per_journey=requests,
        bare_rate=bare.rate,
    )
    result.figures += [
        Figure(
            f"journeys/min, {clients} clients",
            per_minute,
            "/min",
            f"bare updates/min ÷ {requests}",
            bare_equivalent,
        ),
        Figure("one journey, p50", journey.p50 / 1000, "s"),
    ]


async def client(
    http: httpx.AsyncClient, candidates: list[Candidate], deadline: float, durations: list[float]
) -> None:
    for candidate in candidates:
        if time.monotonic() >= deadline:
            return
        start = time.perf_counter()
        await enrol(http, candidate)
        await walk(http, candidate.into_cycle() + candidate.to_certificate())
        durations.append(ms_since(start))
