"""(3) Event append: events per second through the application layer, beside a bare
eventsourcing save() (E0) and raw INSERTs of rows of the same size, in the same database.

The application-layer append is `Certification.take_step` (load from the cache, decide with
the domain's rules, save one event), one after another on a few journeys. Raw INSERTs go
through SQLAlchemy Core, 1 row per transaction (what a step commits) and 100 per transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import cycle

from bench.barestore import bare_save, bare_store
from bench.context import Context, postgres_database
from bench.rawsql import insert_rate, sample_rows, store_of
from bench.report import FamilyResult, Figure
from bench.stats import Summary, timed_sync
from bench.synth import STEP_DATE, record_world
from domain.journey.steps import RecordCoachingVisit
from domain.values import Actor, Role
from service.application import Certification
from service.bootstrap import build_certification
from service.migrations import migrate
from service.settings import Settings

TITLE = "Event append: application layer vs bare save() vs raw INSERT"
JOURNEYS = 8


async def measure(ctx: Context, result: FamilyResult) -> None:
    saves = ctx.scale.append_saves
    backend(Settings(data_dir=ctx.folder("append-sqlite")), saves, "SQLite", result)
    if ctx.scale.postgres:
        with postgres_database() as url:
            if url is None:
                result.notes.append("PostgreSQL not reachable: its figures are missing")
                return
            pg = Settings(data_dir=ctx.folder("append-pg"), database_url=url)
            backend(pg, saves, "PostgreSQL", result)


def backend(settings: Settings, saves: int, label: str, result: FamilyResult) -> None:
    migrate(settings)
    app = build_certification(settings)
    store = bare_store(settings)
    try:
        stepping = journeys_in_cycle(app)
        steps: list[float] = []
        bare: list[float] = []
        for _ in range(2):  # alternate, twice
            steps += timed_sync(saves // 2, lambda _: stepping())
            bare += timed_sync(saves // 2, lambda _: bare_save(store))
        engine, events = store_of(app)
        rows = sample_rows(engine, events, saves)
        raw_one = insert_rate(engine, rows, 1)
        raw_hundred = insert_rate(engine, rows, 100)
    finally:
        store.close()
        app.close()
    s_step, s_bare = Summary.of(steps), Summary.of(bare)
    app_rate, bare_rate = 1000 / s_step.mean, 1000 / s_bare.mean
    result.details[label] = {
        "step": s_step.as_dict(),
        "E0": s_bare.as_dict(),
        "raw_insert_1_per_txn": raw_one,
        "raw_insert_100_per_txn": raw_hundred,
    }
    result.figures += [
        Figure(f"{label}: app-layer appends/s", app_rate, "ev/s", "raw INSERT 1/txn", raw_one),
        Figure(f"{label}: bare save()/s (E0)", bare_rate, "ev/s", "raw INSERT 1/txn", raw_one),
        Figure(f"{label}: app-layer step p50", s_step.p50, "ms", "E0 save() p50", s_bare.p50),
        Figure(f"{label}: raw INSERT 100/txn", raw_hundred, "rows/s", "raw INSERT 1/txn", raw_one),
    ]


def journeys_in_cycle(app: Certification) -> Callable[[], None]:
    """A step function: one coaching visit on the next of a few journeys, each call."""
    worlds = cycle([record_world(app, extra_steps=2) for _ in range(JOURNEYS)])
    at = datetime.now(UTC)

    def step() -> None:
        nonlocal at
        world = next(worlds)
        at += timedelta(seconds=1)
        visit = RecordCoachingVisit(world.enterprise_id, STEP_DATE)
        actor = Actor(world.trainer_id, Role.TRAINER)
        app.take_step(world.journey_id, visit, actor, uuid.uuid4().hex, at)

    return step
