"""The design choices measured in the same run: local vs regular activity, sandbox on/off
(docs/benchmarks.md, "Decisions")."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner, WorkflowRunner

from bench.baseline import Baseline
from bench.context import Context, Stack
from bench.report import FamilyResult, Figure
from bench.stats import Summary, timed_calls
from bench.steps import LoadRun, bare_update
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


async def activity_kind(stack: Stack, calls: int, result: FamilyResult) -> None:
    local: list[float] = []
    regular: list[float] = []
    async with stack.bare_workflows(1) as (bare,):
        for part in (calls // 2, calls - calls // 2):
            local += await timed_calls(
                part, lambda _: bare.execute_update(Baseline.with_local_activity)
            )
            regular += await timed_calls(
                part, lambda _: bare.execute_update(Baseline.with_regular_activity)
            )
    result.pair("U0ra: update + regular activity", Summary.of(regular), "U0la", Summary.of(local))


async def sandbox(ctx: Context, stack: Stack, calls: int, result: FamilyResult) -> None:
    bare, rates, clients = {}, {}, ctx.scale.load_clients
    for flag in (True, False):
        async with stack.bare_workflows(1, sandboxed=flag) as (one,):
            samples = await timed_calls(calls, lambda _: one.execute_update(Baseline.bare))
            bare[flag] = Summary.of(samples).p50
        async with stack.bare_workflows(clients, sandboxed=flag) as handles:
            run, calls_each = LoadRun(), max(2, ctx.scale.load_steps)
            await run.add(clients, calls_each, bare_update(handles, Baseline.bare))
            rates[flag] = run.rate
    result.add(
        Figure("bare update p50, sandboxed", bare[True], "ms", "unsandboxed", bare[False]),
        Figure(
            f"bare updates/s at {clients} in flight, sandboxed",
            rates[True],
            "/s",
            "unsandboxed",
            rates[False],
        ),
    )


async def rebuild(name: str, calls: int, result: FamilyResult) -> None:
    """Replays of one recorded history, sandboxed and not, alternating."""
    history = WorkflowHistory.from_json(name, (HISTORIES / f"{name}.json").read_text())
    runners: tuple[WorkflowRunner, ...] = (sandbox_runner(), UnsandboxedWorkflowRunner())
    journeys = [CertificationJourney]
    replayers = [
        Replayer(workflows=journeys, data_converter=data_converter, workflow_runner=r)
        for r in runners
    ]
    samples: tuple[list[float], list[float]] = ([], [])
    for part in (calls // 2, calls - calls // 2):
        for taken, replayer in zip(samples, replayers, strict=True):
            taken += await timed_calls(part, partial(replayed, replayer, history))
    on, off = (Summary.of(taken).p50 for taken in samples)
    rebuilt = f"rebuilding a journey from {len(history.events)} history events, sandboxed"
    result.add(Figure(rebuilt, on, "ms", "unsandboxed", off))


async def replayed(replayer: Replayer, history: WorkflowHistory, _: int) -> None:
    await replayer.replay_workflow(history)
