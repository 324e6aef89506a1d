"""T6: a step on a journey with a long history beside a step on a short one.

Application layer (`Certification.take_step`: load, decide, save) with the service's own
settings (aggregate cache of 10,000), on the same SQLite store, alternating long and short.
Also shown: the first step after a restart (empty cache: the whole history is replayed),
and G0, a bare eventsourcing get + command + save on a 1-event aggregate.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

from bench.barestore import BareStore, Probe, bare_store
from bench.context import Context
from bench.report import FamilyResult, Figure, Target
from bench.stats import Summary, ms_since
from bench.synth import STEP_DATE, World, record_world
from domain.journey.steps import RecordCoachingVisit, ReportProgress
from domain.values import Actor, Role
from service.application import Certification
from service.bootstrap import build_certification
from service.migrations import migrate
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
    migrate(settings)
    events, calls = ctx.scale.history_events, ctx.scale.history_calls
    app = build_certification(settings)
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
    cold_long, cold_short = cold_steps(settings, long.world, short.world)
    g0 = bare_get_command_save(settings, calls)
    s_long, s_short, s_g0 = Summary.of(long_ms), Summary.of(short_ms), Summary.of(g0)
    result.details.update(
        long=s_long.as_dict(), short=s_short.as_dict(), G0=s_g0.as_dict(), events=events
    )
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
        Figure("short journey step p50", s_short.p50, "ms", "G0 get+cmd+save p50", s_g0.p50),
        Figure(
            "first step after restart, long (full replay)", cold_long, "ms", "short", cold_short
        ),
    ]


def cold_steps(settings: Settings, long: World, short: World) -> tuple[float, float]:
    """A step on each journey from a freshly opened application (nothing cached)."""
    timings = []
    for world in (long, short):
        app = build_certification(settings)
        try:
            stepper = Stepper(app, world)
            stepper.at += timedelta(days=1)  # after every step already taken
            stepper.count = 1
            timings.append(stepper.step())
        finally:
            app.close()
    return timings[0], timings[1]


def bare_get_command_save(settings: Settings, calls: int) -> list[float]:
    store: BareStore = bare_store(settings)
    try:
        probe = Probe("x")
        store.save(probe)
        samples = []
        for i in range(calls):
            start = time.perf_counter()
            loaded: Probe = store.repository.get(probe.id)
            loaded.rename(f"x{i}")
            store.save(loaded)
            samples.append(ms_since(start))
        return samples
    finally:
        store.close()
