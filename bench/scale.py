"""Many idle journeys on one dev server: the worker's memory and a reminder storm
(docs/benchmarks.md, "Idle workflows")."""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from temporalio.client import Client

from bench.context import Context, rss_bytes
from bench.report import FamilyResult, Figure, Target
from bench.stack.service import service_stack, stack_settings
from bench.synth import HQ, _id, trainer, workshop
from domain.journey.state import JourneyState
from service.adapters.mail import OUTBOX, Outbox
from service.adapters.temporal_dev import DevServer
from service.app.certification import Certification
from workflows import journey_workflow_id
from workflows.journey import CertificationJourney
from workflows.messages import JourneyInput, ReminderPolicy

TITLE = "Idle journey workflows: worker RSS and a reminder storm"
POLICY = ReminderPolicy(stall_after_days=1)
STARTING = 50  # start_workflow calls in flight
MiB = 1024 * 1024
DELIVERY_LIMIT = 120.0  # seconds after T: the target
STORM_TIMEOUT = 900.0  # how long to wait for the last reminder before reporting what came


def enrolled(app: Certification, count: int) -> list[JourneyState]:
    """`count` candidates enrolled two days ago, with one expert and one workshop."""
    at = datetime.now(UTC) - timedelta(days=2)
    held = workshop(app, trainer(app, at, expert=True), at)
    return [app.enrol(trainer(app, at), held, HQ, _id(), at).state for _ in range(count)]


async def measure(ctx: Context, result: FamilyResult) -> None:
    count, cached = ctx.scale.idle_workflows, ctx.scale.worker_cached_workflows
    root = ctx.folder("scale")
    async with DevServer() as server:
        settings = stack_settings(root / "data", server.address, worker_cached_workflows=cached)
        async with service_stack(settings, root, processes=("worker",)) as stack:
            journeys = enrolled(stack.app, count)
            storm = Storm(settings.task_queue, stack.pid("worker"), Outbox(stack.engine), cached)
            await storm.run(stack.client, journeys, result)


class Storm:
    def __init__(self, queue: str, pid: int, outbox: Outbox, cached: int) -> None:
        self.queue, self.pid, self.outbox, self.cached = queue, pid, outbox, cached
        self.peak_rss = 0

    def rss(self) -> int:
        current = rss_bytes(self.pid)
        self.peak_rss = max(self.peak_rss, current)
        return current

    async def run(self, client: Client, journeys: list[JourneyState], result: FamilyResult) -> None:
        count = len(journeys)
        empty_rss = self.rss()
        # T: far enough ahead for every workflow to start and go idle first.
        lead = 6 + count / 25
        fire_at = datetime.now(UTC) + timedelta(seconds=lead)
        started = time.monotonic()
        await self.start_all(client, journeys, fire_at)
        start_seconds = time.monotonic() - started
        while datetime.now(UTC) < fire_at - timedelta(seconds=1):
            await asyncio.sleep(0.5)
            self.rss()
        idle_rss = self.rss()
        idle_early = datetime.now(UTC) < fire_at
        deadline = time.monotonic() + STORM_TIMEOUT
        while self.delivered(fire_at)[1] < count and time.monotonic() < deadline:
            self.rss()
            await asyncio.sleep(0.5)
        in_time, total, last = self.delivered(fire_at)
        storm = (last - fire_at).total_seconds() if last else math.nan
        seconds = storm if total >= count else math.nan
        result.details.update(
            workflows=count,
            cached_workflows=self.cached,
            start_seconds=start_seconds,
            lead_seconds=lead,
            idle_before_timers=idle_early,
            empty_rss_mib=empty_rss / MiB,
            idle_rss_mib=idle_rss / MiB,
            peak_rss_mib=self.peak_rss / MiB,
            delivered_seconds=seconds,
            reminders_delivered=total,
            reminders_within_2_min=in_time,
        )
        n = f"{count:,} idle journeys (cache of {self.cached:,})"
        result.figures += [
            Figure(
                f"worker RSS, {n}",
                idle_rss / MiB,
                "MiB",
                "worker RSS with none",
                empty_rss / MiB,
                (Target("<=", 1024, "value"),),
            ),
            Figure(f"worker peak RSS during the storm, {n}", self.peak_rss / MiB, "MiB"),
            Figure(
                f"all {count:,} reminders delivered, after T",
                seconds,
                "s",
                targets=(Target("<=", 120, "value"),),
            ),
            Figure(
                "reminders delivered within 2 min of T",
                in_time,
                "",
                "reminders due",
                count,
                (Target(">=", 1.0),),
            ),
            Figure("reminders delivered per second", total / storm if storm else math.nan, "/s"),
        ]
        if total < count:
            result.notes.append(f"not every reminder delivered within {STORM_TIMEOUT:.0f} s")
        if not idle_early:
            result.notes.append("the timers fired before every workflow had started")

    async def start_all(
        self, client: Client, journeys: list[JourneyState], fire_at: datetime
    ) -> None:
        gate = asyncio.Semaphore(STARTING)

        async def start(journey: JourneyState) -> None:
            due = replace(journey, last_step_at=fire_at - POLICY.stall_after)
            async with gate:
                await client.start_workflow(
                    CertificationJourney.run,
                    JourneyInput(journey.trainer_id, journey.module, POLICY, due),
                    id=journey_workflow_id(journey.trainer_id, journey.module),
                    task_queue=self.queue,
                )

        await asyncio.gather(*(start(j) for j in journeys))

    def delivered(self, fire_at: datetime) -> tuple[int, int, datetime | None]:
        """Reminders (two messages each) delivered within 2 min of T, in all, and the last."""
        stored_at = OUTBOX.c.stored_at
        within = fire_at + timedelta(seconds=DELIVERY_LIMIT)
        with self.outbox.engine.connect() as conn:
            in_time = conn.execute(select(func.count()).where(stored_at <= within)).scalar_one()
            total, last = conn.execute(select(func.count(), func.max(stored_at))).one()
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        return in_time // 2, total // 2, last
