"""Many idle journeys on one dev server: the worker's memory and a reminder storm, beside a
bare storm on the same server and worker settings (docs/benchmarks.md, "Idle workflows")."""

from __future__ import annotations

import asyncio
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from temporalio.client import Client

from bench.bare_storm import BareStorm, recorded
from bench.context import Context, rss_bytes
from bench.report import FamilyResult, Figure, Target
from domain.journey.state import JourneyState
from domain.values import Module
from service.adapters.mail import Outbox
from service.app.certification import Certification
from service.storage.outbox import OUTBOX
from tests.cluster import REPO, Child, Cluster, settings_env, wait_for_line
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
    """The storm on a cluster of `workers` workers; reminders delivered per second. On one
    worker, the bare storm first, on the same server."""
    count, cached = ctx.scale.idle_workflows, ctx.scale.worker_cached_workflows
    overrides = {"worker_cached_workflows": cached}
    # Its own service, no API: the worker's timers are all that run.
    folder = ctx.folder(f"scale-{workers}")
    cluster = Cluster(
        folder, workers=workers, apis=0, temporal_in_memory=True, settings_overrides=overrides
    )
    async with cluster:
        assert cluster.client is not None
        bare = await bare_storm(cluster, count, folder) if workers == 1 else None
        worker = cluster.worker_processes[0].pid
        storm = Storm(cluster.settings.task_queue, worker, Outbox(cluster.engine), cached)
        return await storm.run(cluster.client, enrolled(cluster.app, count), result, bare)


@dataclass
class Watched:
    """A storm seen from outside: its worker's RSS (empty, idle before T, peak), whether every
    workflow was idle before T, and what was done by the end."""

    pid: int
    fire_at: datetime
    start_seconds: float = 0.0
    empty_rss: float = 0.0
    idle_rss: float = 0.0
    peak_rss: float = 0.0
    idle_early: bool = True
    total: int = 0
    last: datetime | None = None

    def rss(self) -> float:
        current = rss_bytes(self.pid)
        self.peak_rss = max(self.peak_rss, current)
        return current

    @property
    def seconds(self) -> float:
        """From T to the last one done (NaN if none)."""
        return (self.last - self.fire_at).total_seconds() if self.last else math.nan

    async def until_done(self, count: int, done: Callable[[], tuple[int, datetime | None]]) -> None:
        """Wait for T, then until `done()` counts `count` (or STORM_TIMEOUT), watching RSS."""
        while datetime.now(UTC) < self.fire_at - timedelta(seconds=1):
            await asyncio.sleep(0.5)
            self.rss()
        self.idle_rss = self.rss()
        self.idle_early = datetime.now(UTC) < self.fire_at
        deadline = time.monotonic() + STORM_TIMEOUT
        while (found := done())[0] < count and time.monotonic() < deadline:
            self.rss()
            await asyncio.sleep(0.5)
        self.total, self.last = found


@dataclass
class Bare:
    """The bare storm's outcome: all done after T (NaN if not all), and its worker."""

    count: int
    watched: Watched
    notes: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.watched.seconds if self.watched.total >= self.count else math.nan


async def bare_storm(cluster: Cluster, count: int, folder: Path) -> Bare:
    """`count` bare workflows (`bench.bare_storm`) whose timers fire together, in a worker
    process of their own with the service worker's settings, on the cluster's server."""
    assert cluster.client is not None
    settings = cluster.settings
    queue, record = f"{settings.task_queue}-bare", folder / "bare-storm.times"
    # Not `-m`: the workflow's module must be `bench.bare_storm`, not `__main__`.
    entry = "from bench.bare_storm import main; main()"
    command = [sys.executable, "-c", entry, cluster.temporal.address, queue, str(record)]
    env = settings_env(settings) | {"PYTHONPATH": str(REPO)}  # the worker's settings
    child = Child("bare-storm", command, env, cluster.logs / "bare.log")
    child.start()
    try:
        assert child.process is not None
        await wait_for_line(child.log, "ready", child.process)
        lead = 3 + count / 25  # as for the journeys, less the time their enrolment takes
        watched = Watched(child.pid, datetime.now(UTC) + timedelta(seconds=lead))
        watched.empty_rss = watched.rss()
        gate = asyncio.Semaphore(STARTING)

        async def start(i: int) -> None:
            async with gate:
                await client.start_workflow(
                    BareStorm.run, watched.fire_at, id=f"bare-storm-{i}", task_queue=queue
                )

        client, started = cluster.client, time.monotonic()
        await asyncio.gather(*(start(i) for i in range(count)))
        watched.start_seconds = time.monotonic() - started

        def done() -> tuple[int, datetime | None]:
            times = recorded(record).values()  # each workflow once
            return len(times), datetime.fromtimestamp(max(times), UTC) if times else None

        await watched.until_done(count, done)
    finally:
        child.stop()
    bare = Bare(count, watched)
    if watched.total < count:
        bare.notes.append(f"bare storm: not every workflow done within {STORM_TIMEOUT:.0f} s")
    if not watched.idle_early:
        bare.notes.append("bare storm: the timers fired before every workflow had started")
    return bare


@dataclass
class Storm:
    queue: str
    pid: int  # the worker's
    outbox: Outbox
    cached: int

    async def run(
        self,
        client: Client,
        journeys: list[JourneyState],
        result: FamilyResult,
        bare: Bare | None = None,
    ) -> float:
        count = len(journeys)
        # T: far enough ahead for every workflow to start and go idle first.
        lead = 6 + count / 25
        watched = Watched(self.pid, datetime.now(UTC) + timedelta(seconds=lead))
        watched.empty_rss = watched.rss()
        started = time.monotonic()
        await self.start_all(client, journeys, watched.fire_at)
        watched.start_seconds = time.monotonic() - started
        await watched.until_done(count, lambda: self.delivered(watched.fire_at)[1:])
        in_time = self.delivered(watched.fire_at)[0]
        storm = watched.seconds
        seconds = storm if watched.total >= count else math.nan
        result.details.update(
            start_seconds=watched.start_seconds, lead_seconds=lead, delivered=watched.total
        )
        n = f"{count:,} idle journeys (cache of {self.cached:,})"
        idle, peak, none = (
            x / MiB for x in (watched.idle_rss, watched.peak_rss, watched.empty_rss)
        )
        every, rate = (
            f"all {count:,} reminders delivered, after T",
            watched.total / storm if storm else math.nan,
        )
        within_1_gib = (Target("<=", 1024, "value"),)
        # Against the bare storm when there is one: its time, its worker's peak RSS.
        bare_seconds = bare_peak = None
        if bare is not None:
            b = bare.watched
            bare_seconds, bare_peak = bare.seconds, b.peak_rss / MiB
            result.details.update(
                bare_start_seconds=b.start_seconds,
                bare_done=b.total,
                bare_idle_rss_mib=b.idle_rss / MiB,
                bare_empty_rss_mib=b.empty_rss / MiB,
            )
            result.notes += bare.notes
            bare_n = f"{count:,} bare workflows (cache of {self.cached:,})"
            result.add(Figure(f"bare storm, {bare_n}: all done, after T", bare_seconds, "s"))
        against = "bare storm" if bare else None
        result.add(
            Figure(every, seconds, "s", against, bare_seconds, (Target("<=", 2.0),)),
            Figure(f"worker RSS, {n}", idle, "MiB", "with none", none, within_1_gib),
            Figure(
                f"worker peak RSS during the storm, {n}",
                peak,
                "MiB",
                f"{against}'s worker" if bare else None,
                bare_peak,
                within_1_gib,
            ),
        )
        result.add(
            Figure("reminders within 2 min of T", in_time, "", "due", count, (Target(">=", 1.0),)),
            Figure("reminders delivered per second", rate, "/s"),
        )
        if watched.total < count:
            result.notes.append(f"not every reminder delivered within {STORM_TIMEOUT:.0f} s")
        if not watched.idle_early:
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
