"""Many idle journeys on one dev server: the worker's memory and a reminder storm
(docs/benchmarks.md, "Idle workflows")."""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from temporalio.client import Client

from bench.context import Context, rss_bytes
from bench.report import FamilyResult, Figure, Target
from domain.journey.state import JourneyState
from domain.values import Module
from service.adapters.mail import Outbox
from service.app.certification import Certification
from service.storage.outbox import OUTBOX
from tests.cluster import Cluster
from tests.stories import Story, new_id
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
    story = Story(app, datetime.now(UTC) - timedelta(days=2), tick=timedelta(seconds=1))
    held = story.schedule_workshop(Module.WC, story.register_expert())
    return [
        app.enrol(story.register_candidate().user_id, held, story.hq, new_id(), story.later()).state
        for _ in range(count)
    ]


async def measure(ctx: Context, result: FamilyResult) -> None:
    one = await storm(ctx, result, workers=1)
    # The same storm on two workers; of its figures only the rate is compared (the RSS ones
    # would be one worker's of two).
    second = FamilyResult(result.name, result.title)
    two = await storm(ctx, second, workers=2)
    result.add(Figure("reminders delivered per second, two workers", two, "/s", "one worker", one))
    result.notes += [f"two workers: {note}" for note in second.notes]


async def storm(ctx: Context, result: FamilyResult, workers: int) -> float:
    """The storm on a cluster of `workers` workers; reminders delivered per second."""
    count, cached = ctx.scale.idle_workflows, ctx.scale.worker_cached_workflows
    overrides = {"worker_cached_workflows": cached}
    # Its own service, no API: the worker's timers are all that run.
    folder = ctx.folder(f"scale-{workers}")
    cluster = Cluster(
        folder, workers=workers, apis=0, temporal_in_memory=True, settings_overrides=overrides
    )
    async with cluster:
        assert cluster.client is not None
        worker = cluster.worker_processes[0].pid
        storm = Storm(cluster.settings.task_queue, worker, Outbox(cluster.engine), cached)
        return await storm.run(cluster.client, enrolled(cluster.app, count), result)


@dataclass
class Storm:
    queue: str
    pid: int  # the worker's
    outbox: Outbox
    cached: int
    peak_rss: float = 0.0

    def rss(self) -> float:
        current = rss_bytes(self.pid)
        self.peak_rss = max(self.peak_rss, current)
        return current

    async def run(
        self, client: Client, journeys: list[JourneyState], result: FamilyResult
    ) -> float:
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
        result.details.update(start_seconds=start_seconds, lead_seconds=lead, delivered=total)
        n = f"{count:,} idle journeys (cache of {self.cached:,})"
        idle, peak, none = (x / MiB for x in (idle_rss, self.peak_rss, empty_rss))
        every, rate = (
            f"all {count:,} reminders delivered, after T",
            total / storm if storm else math.nan,
        )
        result.add(
            Figure(
                f"worker RSS, {n}", idle, "MiB", "with none", none, (Target("<=", 1024, "value"),)
            ),
            Figure(f"worker peak RSS during the storm, {n}", peak, "MiB"),
            Figure(every, seconds, "s", targets=(Target("<=", 120, "value"),)),
            Figure("reminders within 2 min of T", in_time, "", "due", count, (Target(">=", 1.0),)),
            Figure("reminders delivered per second", rate, "/s"),
        )
        if total < count:
            result.notes.append(f"not every reminder delivered within {STORM_TIMEOUT:.0f} s")
        if not idle_early:
            result.notes.append("the timers fired before every workflow had started")
        return rate

    async def start_all(self, client: Client, journeys: list[JourneyState], at: datetime) -> None:
        gate = asyncio.Semaphore(STARTING)

        async def start(journey: JourneyState) -> None:
            due = replace(journey, last_step_at=at - POLICY.stall_after)
            async with gate:
                await client.start_workflow(
                    CertificationJourney.run,
                    JourneyInput(
                        journey.trainer_id,
                        journey.module,
                        POLICY,
                        due,
                        journey_id=journey.journey_id,
                    ),
                    id=journey_workflow_id(journey.journey_id),
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
