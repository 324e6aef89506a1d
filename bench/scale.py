"""(5) Many idle journeys on one dev server: the worker's memory, and a reminder storm.

N journeys are enrolled in the event store, then their workflows are started as a journey's
continue-as-new would start them (`JourneyInput` carrying the state), with a 1-day stall
period and a last step exactly one day before a moment T a little ahead: so all N sit idle
on one durable timer each, and at T every timer fires together. The worker is the real one
(`score worker`, its own process) caching a tenth of them, as its default cache of 1,000
holds a tenth of 10,000, so the storm rebuilds evicted workflows at every scale; a reminder
is delivered when its two messages (candidate and expert) are in the outbox.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from temporalio.client import Client

from bench.context import Context, rss_bytes
from bench.people import OFFICE
from bench.report import FamilyResult, Figure, Target
from bench.stack.service import stack_settings
from domain.journey.state import JourneyState
from domain.values import Actor, Module, Role
from domain.workshop import WorkshopPlan
from service.application import Certification
from service.bootstrap import build_certification
from service.database import create_service_engine
from service.launcher import children
from service.migrations import migrate
from service.notifications import OUTBOX, Outbox
from service.temporal_dev import DevServer
from tests.cluster import settings_env, wait_for_line
from workflows import journey_workflow_id
from workflows.journey import CertificationJourney
from workflows.messages import JourneyInput, ReminderPolicy
from workflows.worker import connect

TITLE = "Idle journey workflows: worker RSS and a reminder storm"
POLICY = ReminderPolicy(stall_after_days=1)
STARTING = 50  # start_workflow calls in flight
MiB = 1024 * 1024
DELIVERY_LIMIT = 120.0  # seconds after T: the target
STORM_TIMEOUT = 900.0  # how long to wait for the last reminder before reporting what came


def enrolled(app: Certification, count: int) -> list[JourneyState]:
    """`count` candidates enrolled two days ago, with one expert and one workshop."""
    hq = Actor(OFFICE.username, Role.HQ)
    at = datetime.now(UTC) - timedelta(days=2)
    email = f"expert-{uuid.uuid4().hex[:8]}@example.org"
    expert = app.register_trainer("E", email, "India", hq, uuid.uuid4().hex, at, is_expert=True)
    plan = WorkshopPlan(
        Module.WC,
        f"S-{uuid.uuid4().hex[:8]}",
        at.date(),
        at.date(),
        "Pune",
        "India",
        expert.state.trainer_id,
    )
    workshop = app.schedule_workshop(plan, hq, uuid.uuid4().hex, at).state.workshop_id
    journeys = []
    for i in range(count):
        email = f"idle-{i}-{uuid.uuid4().hex[:6]}@example.org"
        trainer = app.register_trainer("C", email, "India", hq, uuid.uuid4().hex, at)
        tid = trainer.state.trainer_id
        journeys.append(app.enrol(tid, workshop, hq, uuid.uuid4().hex, at).state)
    return journeys


async def measure(ctx: Context, result: FamilyResult) -> None:
    count = ctx.scale.idle_workflows
    root = ctx.folder("scale")
    async with DevServer() as server:
        settings = stack_settings(root / "data", server.address, None)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        migrate(settings)
        app = build_certification(settings)
        try:
            journeys = enrolled(app, count)
        finally:
            app.close()
        outbox = Outbox(create_service_engine(settings))
        command = {"worker": [sys.executable, "-m", "service.cli", "worker"]}
        cached = ctx.scale.worker_cached_workflows
        env = settings_env(settings) | {"SCORE_WORKER_CACHED_WORKFLOWS": str(cached)}
        try:
            with children(command, env, root / "logs") as processes:
                log = root / "logs" / "worker.log"
                await wait_for_line(log, "worker: Temporal at", *processes.values())
                await asyncio.sleep(2)  # let its pollers connect
                worker = Storm(settings.task_queue, processes["worker"].pid, outbox, cached)
                await worker.run(server.address, journeys, result)
        finally:
            outbox.close()


class Storm:
    def __init__(self, queue: str, pid: int, outbox: Outbox, cached: int) -> None:
        self.queue, self.pid, self.outbox, self.cached = queue, pid, outbox, cached
        self.peak_rss = 0

    def rss(self) -> int:
        current = rss_bytes(self.pid)
        self.peak_rss = max(self.peak_rss, current)
        return current

    async def run(self, address: str, journeys: list[JourneyState], result: FamilyResult) -> None:
        count = len(journeys)
        client = await connect(address)
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
        delivered_at = await self.wait_for_mail(2 * count, timeout=STORM_TIMEOUT)
        seconds = (delivered_at - fire_at).total_seconds() if delivered_at else float("nan")
        in_time, total, last = self.delivered(fire_at)
        storm = ((last - fire_at).total_seconds() if last else 0.0) or float("nan")
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
            Figure(f"starting {n}", count / start_seconds, "wf/s"),
            Figure(
                f"all {count:,} reminders delivered, after T",
                seconds,
                "s",
                targets=(Target("<=", 120, "value"),),
                note="" if delivered_at else f"not all within {STORM_TIMEOUT:.0f} s",
            ),
            Figure(
                "reminders delivered within 2 min of T",
                in_time,
                "",
                "reminders due",
                count,
                (Target(">=", 1.0),),
            ),
            Figure("reminders delivered per second", total / storm, "/s"),
        ]
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

    async def wait_for_mail(self, messages: int, timeout: float) -> datetime | None:
        """When the last of `messages` was stored in the outbox; None if not within timeout."""
        deadline = time.monotonic() + timeout
        query = select(func.count(), func.max(OUTBOX.c.stored_at))
        while time.monotonic() < deadline:
            with self.outbox.engine.connect() as conn:
                stored, last = conn.execute(query).one()
            self.rss()
            if stored >= messages:
                last_at: datetime = last if last.tzinfo else last.replace(tzinfo=UTC)
                return last_at
            await asyncio.sleep(0.5)
        return None
