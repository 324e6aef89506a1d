"""T6: a step (application layer, the service's aggregate cache) on a long journey beside one
on a short journey, alternating."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

from bench.context import Context
from bench.report import FamilyResult, Figure, Target
from bench.stack.service import open_store
from bench.stats import Summary, ms_since
from bench.synth import STEP_DATE, World, record_world
from domain.journey.steps import RecordCoachingVisit, ReportProgress
from domain.values import Actor, Role
from service.app.certification import Certification
from service.settings import Settings

TITLE = "Step on a long journey vs a short one (aggregate cache)"


class Stepper:
    def __init__(self, app: Certification, world: World) -> None:
        self.app, self.world, self.count = app, world, 0
        self.at = datetime.now(UTC)

    def step(self) -> float:
        """One visit or report; milliseconds."""
        firm = self.world.enterprise_id
        step = (
            RecordCoachingVisit(firm, STEP_DATE)
            if self.count % 2 == 0
            else ReportProgress(firm, {"productivity": 120.0})
        )
        self.count += 1
        self.at += timedelta(seconds=1)
        actor = Actor(self.world.trainer_id, Role.TRAINER)
        start = time.perf_counter()
        self.app.take_step(self.world.journey_id, step, actor, uuid.uuid4().hex, self.at)
        return ms_since(start)


async def measure(ctx: Context, result: FamilyResult) -> None:
    settings = Settings(data_dir=ctx.folder("history"))
    events, calls = ctx.scale.history_events, ctx.scale.history_calls
    app = open_store(settings)
    try:
        long = Stepper(app, record_world(app, extra_steps=2))
        short = Stepper(app, record_world(app, extra_steps=2))
        while app.repository.get(uuid.UUID(long.world.journey_id)).version < events:
            long.step()
        long_ms, short_ms = [], []
        for _ in range(calls):
            long_ms.append(long.step())
            short_ms.append(short.step())
    finally:
        app.close()
    s_long, s_short = Summary.of(long_ms), Summary.of(short_ms)
    result.details.update(long=s_long.as_dict(), short=s_short.as_dict(), events=events)
    result.figures += [
        Figure(
            f"step p50, journey of {events:,} events",
            s_long.p50,
            "ms",
            "short journey p50",
            s_short.p50,
            (Target("<=", 2.0),),
        ),
        Figure(
            f"step p99, journey of {events:,} events", s_long.p99, "ms", "short p99", s_short.p99
        ),
    ]
