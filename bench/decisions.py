"""The design choices measured in the same run: local vs regular activity, sandbox on/off
(docs/benchmarks.md, "Decisions")."""

from __future__ import annotations

from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner, WorkflowRunner

from bench.baseline import Baseline
from bench.context import Context
from bench.load import bare_load, bare_workflows
from bench.report import FamilyResult, Figure
from bench.stack.service import ServiceStack
from bench.stats import Summary, timed_calls
from workflows.converter import data_converter
from workflows.journey import CertificationJourney
from workflows.sandbox import sandbox_runner

TITLE = "Decisions: local vs regular activity, sandbox on/off"
HISTORIES = Path(__file__).parents[1] / "tests" / "histories"
# An idle journey's short history, and a whole journey to its certificate.
REBUILT = ("journey_enrolment_refused", "journey_certified_after_a_stall")


async def measure(ctx: Context, result: FamilyResult) -> None:
    stack = await ctx.stack()
    calls = ctx.scale.decision_calls
    await activity_kind(stack, calls, result)
    await sandbox(ctx, stack, calls, result)
    for name in REBUILT:
        await rebuild(name, calls, result)


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
    bare, rates = {}, {}
    for flag in (True, False):
        async with bare_workflows(stack, 1, sandboxed=flag) as (one,):
            samples = await timed_calls(calls, lambda _: one.execute_update(Baseline.bare))
            bare[flag] = Summary.of(samples).p50
    clients = ctx.scale.load_clients
    for flag in (True, False):
        async with bare_workflows(stack, clients, sandboxed=flag) as handles:
            rates[flag] = (await bare_load(handles, max(2, ctx.scale.load_steps))).rate
    result.details.update(bare_p50=bare, bare_rate=rates, clients=clients)
    result.figures += [
        Figure("bare update p50, sandboxed", bare[True], "ms", "unsandboxed", bare[False]),
        Figure(
            f"bare updates/s at {clients} in flight, sandboxed",
            rates[True],
            "/s",
            "unsandboxed",
            rates[False],
        ),
    ]


async def rebuild(name: str, calls: int, result: FamilyResult) -> None:
    """Replays of one recorded history, sandboxed and not, alternating."""
    history = WorkflowHistory.from_json(name, (HISTORIES / f"{name}.json").read_text())
    runners: dict[bool, WorkflowRunner] = {
        True: sandbox_runner(),
        False: UnsandboxedWorkflowRunner(),
    }
    replayers = {
        flag: Replayer(
            workflows=[CertificationJourney], data_converter=data_converter, workflow_runner=runner
        )
        for flag, runner in runners.items()
    }
    samples: dict[bool, list[float]] = {True: [], False: []}
    for part in (calls // 2, calls - calls // 2):
        for flag, replayer in replayers.items():
            samples[flag] += await replays(replayer, history, part)
    events = len(history.events)
    p50 = {flag: Summary.of(s).p50 for flag, s in samples.items()}
    result.details[f"rebuild_{name}"] = {"events": events, "p50": p50}
    result.figures.append(
        Figure(
            f"rebuilding a journey from {events} history events, sandboxed",
            p50[True],
            "ms",
            "unsandboxed",
            p50[False],
        )
    )


async def replays(replayer: Replayer, history: WorkflowHistory, count: int) -> list[float]:
    return await timed_calls(count, lambda _: replayer.replay_workflow(history))
