"""T6: a step (application layer, the service's aggregate cache) on a long journey beside one
on a short journey, alternating."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

from bench.context import Context, open_store
from bench.report import FamilyResult, Target
from bench.stats import Summary, ms_since
from bench.synth import World, record_world, visits_and_reports
from domain.values import Actor, Role
from service.app.certification import Certification
from service.settings import Settings

TITLE = "Step on a long journey vs a short one (aggregate cache)"


class Stepper:
    """Visits and reports on one world's journey, through the application."""

    def __init__(self, app: Certification, world: World) -> None:
        self.app, self.journey, self.at = app, world.journey_id, datetime.now(UTC)
        self.actor, self.steps = (
            Actor(world.trainer_id, Role.TRAINER),
            visits_and_reports(world.enterprise_id, world.day),
        )

    def step(self) -> float:
        """One more; milliseconds."""
        step, self.at = next(self.steps), self.at + timedelta(seconds=1)
        start = time.perf_counter()
        self.app.take_step(self.journey, step, self.actor, uuid.uuid4().hex, self.at)
        return ms_since(start)


async def measure(ctx: Context, result: FamilyResult) -> None:
    settings = Settings(data_dir=ctx.folder("history"))
    events, calls = ctx.scale.history_events, ctx.scale.history_calls
    app = open_store(settings)
    try:
        long = Stepper(app, record_world(app))
        short = Stepper(app, record_world(app))
        while app.repository.get(uuid.UUID(long.journey)).version < events:
            long.step()
        long_ms, short_ms = [], []
        for _ in range(calls):
            long_ms.append(long.step())
            short_ms.append(short.step())
    finally:
        app.close()
    t6 = (Target("<=", 2.0),)
    long_journey = f"step, journey of {events:,} events"
    result.pair(long_journey, Summary.of(long_ms), "short journey", Summary.of(short_ms), p50=t6)
