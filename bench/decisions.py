"""The two design choices, decided with figures from the same run.

* Sandbox: Temporal's workflow sandbox re-imports and checks workflow code; we keep it on
  (workflows/sandbox.py). Compared: bare updates sandboxed and not, alone and at N in flight,
  and a real journey step (through the gateway, no HTTP) on the service's workflows run by a
  sandboxed and by an unsandboxed worker in the same process.
* Activity kind: steps write through a local activity (workflows/calls.py). Compared: an
  update awaiting a no-op local activity (U0la) and a no-op regular activity (U0ra).
"""

from __future__ import annotations

import uuid
from datetime import date

from bench.baseline_workflow import Baseline
from bench.context import Context
from bench.load import bare_load, bare_workflows
from bench.people import Candidate, Cohort
from bench.report import FamilyResult, Figure
from bench.stack.service import ServiceStack
from bench.stats import Summary, timed_calls
from domain.journey.steps import (
    DeliverClassroomWorkshop,
    JourneyStep,
    RecordBaselineAssessment,
    RecordCoachingVisit,
    RecordToTResult,
    SelectEnterprise,
)
from domain.values import Actor, Module, Role
from workflows.client import JourneyGateway

TITLE = "Decisions: sandbox on/off, local vs regular activity"
BASELINE = {"productivity": 100.0}


async def measure(ctx: Context, result: FamilyResult) -> None:
    stack = await ctx.stack()
    calls = ctx.scale.decision_calls
    await activity_kind(stack, calls, result)
    await sandbox(ctx, stack, calls, result)


async def activity_kind(stack: ServiceStack, calls: int, result: FamilyResult) -> None:
    local: list[float] = []
    regular: list[float] = []
    async with bare_workflows(stack, 1) as (bare,):
        for part in (calls // 2, calls - calls // 2):
            local += await timed_calls(
                part, lambda _: bare.execute_update(Baseline.with_local_activity)
            )
            regular += await timed_calls(
                part, lambda _: bare.execute_update(Baseline.with_regular_activity)
            )
    s_la, s_ra = Summary.of(local), Summary.of(regular)
    result.details.update(U0la=s_la.as_dict(), U0ra=s_ra.as_dict())
    result.figures += [
        Figure("U0ra: update + regular activity p50", s_ra.p50, "ms", "U0la p50", s_la.p50),
        Figure("U0ra p99", s_ra.p99, "ms", "U0la p99", s_la.p99),
    ]


async def sandbox(ctx: Context, stack: ServiceStack, calls: int, result: FamilyResult) -> None:
    bare = {flag: await bare_p50(stack, calls, sandboxed=flag) for flag in (True, False)}
    clients = ctx.scale.load_clients
    rates = {}
    for flag in (True, False):
        async with bare_workflows(stack, clients, sandboxed=flag) as handles:
            rates[flag] = (await bare_load(handles, max(2, ctx.scale.load_steps))).rate
    cohort = Cohort(stack)
    steps = {flag: await journey_step_p50(stack, cohort, calls, flag) for flag in (True, False)}
    result.details.update(bare_p50=bare, bare_rate=rates, gateway_step=steps, clients=clients)
    result.figures += [
        Figure("bare update p50, sandboxed", bare[True], "ms", "unsandboxed", bare[False]),
        Figure(
            f"bare updates/s at {clients} in flight, sandboxed",
            rates[True],
            "/s",
            "unsandboxed",
            rates[False],
        ),
        Figure(
            "journey step p50 (gateway), sandboxed", steps[True], "ms", "unsandboxed", steps[False]
        ),
    ]


async def bare_p50(stack: ServiceStack, calls: int, *, sandboxed: bool) -> float:
    async with bare_workflows(stack, 1, sandboxed=sandboxed) as (bare,):
        return Summary.of(
            await timed_calls(calls, lambda _: bare.execute_update(Baseline.bare))
        ).p50


async def journey_step_p50(
    stack: ServiceStack, cohort: Cohort, calls: int, sandboxed: bool
) -> float:
    """Steps through the gateway on a journey run by the sandboxed or the plain worker."""
    gateway = stack.gateway(sandboxed=sandboxed)
    (candidate,) = cohort.candidates(1)
    await gateway.enrol(
        candidate.trainer_id, Module.WC, candidate.workshop_id, cohort.hq, uuid.uuid4().hex
    )
    me, expert = Actor(candidate.trainer_id, Role.TRAINER), Actor(candidate.expert_id, Role.EXPERT)
    for step, actor in into_cycle(candidate, me, expert):
        await take(gateway, candidate, step, actor)
    visits = RecordCoachingVisit(candidate.enterprise_id, _today())
    samples = await timed_calls(calls, lambda _: take(gateway, candidate, visits, me))
    return Summary.of(samples).p50


def into_cycle(candidate: Candidate, me: Actor, expert: Actor) -> list[tuple[JourneyStep, Actor]]:
    firm, today = candidate.enterprise_id, _today()
    return [
        (RecordToTResult(attended=True, completed=True), expert),
        (SelectEnterprise(firm), me),
        (RecordBaselineAssessment(firm, today, BASELINE), me),
        (DeliverClassroomWorkshop(today, 6, 14, 9), me),
    ]


async def take(
    gateway: JourneyGateway, candidate: Candidate, step: JourneyStep, actor: Actor
) -> None:
    await gateway.take_step(candidate.trainer_id, Module.WC, step, actor, uuid.uuid4().hex)


def _today() -> date:
    return date.today()
