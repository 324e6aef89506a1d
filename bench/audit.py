"""(6) Audit reads: a trainer's history and state as of a moment, and the whole store's.

service/audit (history export and as-of, a colleague's work) was not committed when this
was written, so this measures what the code base offers today:
* a trainer's export: every event of the aggregate decoded (`app.events.get`);
* a trainer's state as of a moment: the aggregate replayed to the version that stood then
  (`app.repository.get(id, version=…)`);
* the whole store as of a moment: `projections.rebuild.as_of` (every read model, rebuilt
  into an in-memory SQLite from the events up to the moment);
* the whole store's export: every notification read and decoded in log order.
Baselines: a raw SELECT of the same rows.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import select

from bench.context import Context
from bench.rawsql import select_rate, store_of
from bench.report import FamilyResult, Figure
from bench.synth import HQ, fill, record_world
from domain.journey.steps import AssessCycle, Certify, ReportProgress
from domain.recorded import RecordedAggregate
from domain.values import Actor, Material, Module, Role
from projections.rebuild import as_of
from projections.source import notification_reader
from service.application import Certification
from service.bootstrap import build_certification
from service.settings import Settings

TITLE = "Audit: a trainer's history and as-of, the whole store's"
MIDDAY = datetime(2026, 1, 5, 14, tzinfo=UTC)  # halfway through each synthetic world


def busy_trainer(app: Certification, events: int) -> tuple[UUID, datetime]:
    """A certified trainer who opened materials until their history holds `events` events;
    and the moment halfway through it."""
    world = record_world(app, extra_steps=2)
    me, expert = Actor(world.trainer_id, Role.TRAINER), Actor(world.expert_id, Role.EXPERT)
    at = datetime(2026, 4, 1, tzinfo=UTC)
    app.take_step(
        world.journey_id,
        ReportProgress(world.enterprise_id, {"productivity": 120.0}),
        me,
        _id(),
        at,
    )
    app.take_step(world.journey_id, AssessCycle("recommended"), expert, _id(), at)
    app.take_step(world.journey_id, Certify(), HQ, _id(), at)
    trainer = UUID(world.trainer_id)
    materials = list(Material)
    opened = 0
    while app.repository.get(trainer).version < events:
        at += timedelta(minutes=1)
        material = materials[opened % len(materials)]
        app.open_materials(world.trainer_id, Module.WC, material, me, _id(), at)
        opened += 1
    halfway = datetime(2026, 4, 1, tzinfo=UTC) + timedelta(minutes=opened // 2)
    return trainer, halfway


def _timestamp(event: object) -> datetime:
    assert isinstance(event, RecordedAggregate.Event)
    return event.timestamp


def _id() -> str:
    return uuid.uuid4().hex


def raw_rows(app: Certification, aggregate: UUID) -> tuple[int, float]:
    """The aggregate's rows by raw SELECT; (rows, seconds)."""
    engine, events = store_of(app)
    query = select(events).where(events.c.originator_id == aggregate)
    start = time.perf_counter()
    with engine.connect() as conn:
        rows = len(conn.execute(query).all())
    return rows, time.perf_counter() - start


async def measure(ctx: Context, result: FamilyResult) -> None:
    settings = Settings(data_dir=ctx.folder("audit"))
    app = build_certification(settings)
    try:
        trainer(app, settings, ctx.scale.audit_trainer_events, result)
        fill(app, ctx.scale.audit_store_events)
        store(app, result)
    finally:
        app.close()
    result.notes.append(
        "service/audit (history export, as-of) was not in the repository yet: measured "
        "app.events.get, repository.get(version=…) and projections.rebuild.as_of instead"
    )


def trainer(app: Certification, settings: Settings, events: int, result: FamilyResult) -> None:
    trainer_id, halfway = busy_trainer(app, events)
    rows, raw_seconds = raw_rows(app, trainer_id)
    start = time.perf_counter()
    exported = list(app.events.get(trainer_id))
    export_seconds = time.perf_counter() - start
    stood = [e for e in exported if _timestamp(e) <= halfway][-1].originator_version
    fresh = build_certification(settings)  # nothing cached: the replay is measured
    try:
        start = time.perf_counter()
        fresh.repository.get(trainer_id, version=stood)
        as_of_ms = (time.perf_counter() - start) * 1000
    finally:
        fresh.close()
    n = f"trainer with {rows:,} events"
    result.figures += [
        Figure(
            f"export, {n}", len(exported) / export_seconds, "ev/s", "raw SELECT", rows / raw_seconds
        ),
        Figure(
            f"state as of halfway, {n}", as_of_ms, "ms", "raw SELECT of all", raw_seconds * 1000
        ),
    ]


def store(app: Certification, result: FamilyResult) -> None:
    rows, raw_rate = select_rate(*store_of(app))
    read = notification_reader(app)
    start, decoded, last = time.perf_counter(), 0, 0
    while page := read(last, 5000, None):
        for notification in page:
            app.mapper.to_domain_event(notification)
        decoded += len(page)
        last = page[-1].id
    export_rate = decoded / (time.perf_counter() - start)
    start = time.perf_counter()
    as_of(app, MIDDAY).engine.dispose()
    as_of_seconds = time.perf_counter() - start
    n = f"whole store, {rows:,} events"
    result.figures += [
        Figure(f"export (read + decode), {n}", export_rate, "ev/s", "raw SELECT", raw_rate),
        Figure(
            f"as of a date (every read model), {n}",
            as_of_seconds,
            "s",
            "raw SELECT",
            rows / raw_rate,
        ),
    ]
