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
from bench.people import Candidate, Cohort, Request, StepRefused, enrol, http_client, send
from bench.report import FamilyResult, Figure
from bench.stats import Summary, ms_since

TITLE = "Journey throughput: enrolment to certificate, concurrent clients"
# Enrolment, ToT result, selection, baseline, classroom, visit, report, assessment, certificate.
REQUESTS_PER_JOURNEY = 9
# "TryAgain" (503, Retry-After) asks the client to send the step again: concurrent
# certifications all change the one certificate registry, and the loser of every retry is
# told so.
AGAIN_AFTER = 0.05
AGAIN_AT_MOST = 20


async def measure(ctx: Context, result: FamilyResult) -> None:
    stack = await ctx.stack()
    clients, seconds = ctx.scale.journey_clients, ctx.scale.journey_seconds
    cohort = Cohort(stack)
    # Enough candidates that no client runs out; only the finished journeys are counted.
    pool = cohort.candidates(clients * (int(seconds) + 4))
    durations: list[float] = []
    again: list[str] = []
    async with http_client(stack) as http:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(
            *(client(http, pool[i::clients], deadline, durations, again) for i in range(clients))
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
        sent_again=again,
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
        Figure(
            "steps sent again after TryAgain, per journey",
            len(again) / max(1, len(durations)),
            "",
            note=", ".join(sorted(set(again))),
        ),
    ]


async def client(
    http: httpx.AsyncClient,
    candidates: list[Candidate],
    deadline: float,
    durations: list[float],
    again: list[str],
) -> None:
    for candidate in candidates:
        if time.monotonic() >= deadline:
            return
        start = time.perf_counter()
        await enrol(http, candidate)
        for request in candidate.into_cycle() + candidate.to_certificate():
            await persistently(http, request, again)
        durations.append(ms_since(start))


async def persistently(http: httpx.AsyncClient, request: Request, again: list[str]) -> None:
    """Send; when the service answers TryAgain, wait a moment and send again, as asked."""
    for _ in range(AGAIN_AT_MOST):
        try:
            await send(http, request)
            return
        except StepRefused as refused:
            if refused.status != 503:  # wait and resend; anything else is an answer
                raise
            again.append(request.path.rsplit("/", 1)[-1])
            await asyncio.sleep(AGAIN_AFTER)
    await send(http, request)
