"""(6) Audit reads (service/audit): a busy trainer's, and the whole store's.

* a trainer's export: `export(entries(app, trainer_aggregates(…)), NDJSON)`, the bytes an
  auditor downloads (the trainer and every journey they opened);
* a trainer as of a moment halfway through their history: `trainer_as_of`;
* the whole store's export, and the public list as of a moment (`PastReadModels.at`, one
  pass over the store into an in-memory SQLite, then the query);
* the hash chain of the whole store checked: `verify_chains`.
Baselines: a raw SELECT of the same rows, in the same run and database. The synthetic part
of the store is inserted without links, so it is sealed first (`seal_unchained`), as a
store that predates the chain would be.
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
from bench.synth import HQ, START, fill, record_world
from domain.journey.steps import AssessCycle, Certify, ReportProgress
from domain.values import Actor, Material, Module, Role
from projections.queries import public_list
from service.application import Certification
from service.audit.as_of import PastReadModels, trainer_as_of
from service.audit.export import ExportFormat, export
from service.audit.history import entries, trainer_aggregates
from service.audit.seal import seal_unchained
from service.audit.verify import verify_chains
from service.bootstrap import build_certification
from service.migrations import migrate
from service.settings import Settings

TITLE = "Audit: a trainer's export and as-of, the whole store's, the hash chain"
MIDDAY = START + timedelta(hours=5)  # halfway through each synthetic world


def busy_trainer(app: Certification, events: int) -> tuple[str, datetime]:
    """A certified trainer who opened materials until their history holds `events` events;
    and the moment halfway through it."""
    world = record_world(app, extra_steps=2)
    me, expert = Actor(world.trainer_id, Role.TRAINER), Actor(world.expert_id, Role.EXPERT)
    at = datetime(2026, 4, 1, tzinfo=UTC)
    report = ReportProgress(world.enterprise_id, {"productivity": 120.0})
    app.take_step(world.journey_id, report, me, _id(), at)
    app.take_step(world.journey_id, AssessCycle("recommended"), expert, _id(), at)
    app.take_step(world.journey_id, Certify(), HQ, _id(), at)
    materials = list(Material)
    opened = 0
    while app.repository.get(UUID(world.trainer_id)).version < events:
        at += timedelta(minutes=1)
        material = materials[opened % len(materials)]
        app.open_materials(world.trainer_id, Module.WC, material, me, _id(), at)
        opened += 1
    return world.trainer_id, datetime(2026, 4, 1, tzinfo=UTC) + timedelta(minutes=opened // 2)


def _id() -> str:
    return uuid.uuid4().hex


def raw_rows(app: Certification, aggregates: list[UUID]) -> tuple[int, float]:
    """The aggregates' rows by raw SELECT; (rows, seconds)."""
    engine, events = store_of(app)
    query = select(events).where(events.c.originator_id.in_(aggregates))
    start = time.perf_counter()
    with engine.connect() as conn:
        rows = len(conn.execute(query).all())
    return rows, time.perf_counter() - start


def timed(call: object) -> float:
    assert callable(call)
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


async def measure(ctx: Context, result: FamilyResult) -> None:
    settings = Settings(data_dir=ctx.folder("audit"))
    migrate(settings)
    app = build_certification(settings)
    try:
        trainer(app, ctx.scale.audit_trainer_events, result)
        fill(app, ctx.scale.audit_store_events)
        sealed = seal_unchained(app.chain)
        result.details["sealed_events"] = sealed.events_sealed
        store(app, result)
    finally:
        app.close()


def trainer(app: Certification, events: int, result: FamilyResult) -> None:
    trainer_id, halfway = busy_trainer(app, events)
    aggregates = trainer_aggregates(app, trainer_id)
    rows, raw_seconds = raw_rows(app, aggregates)
    exported: list[bytes] = []
    export_seconds = timed(
        lambda: exported.extend(export(entries(app, aggregates), ExportFormat.NDJSON))
    )
    lines = sum(chunk.count(b"\n") for chunk in exported)
    as_of_seconds = timed(lambda: trainer_as_of(app, trainer_id, halfway))
    n = f"trainer with {rows:,} events"
    result.details["trainer"] = {"events": rows, "exported_lines": lines}
    result.figures += [
        Figure(
            f"export NDJSON, {n}", lines / export_seconds, "ev/s", "raw SELECT", rows / raw_seconds
        ),
        Figure(
            f"trainer as of halfway, {n}",
            as_of_seconds * 1000,
            "ms",
            "raw SELECT",
            raw_seconds * 1000,
        ),
    ]


def store(app: Certification, result: FamilyResult) -> None:
    rows, raw_rate = select_rate(*store_of(app))
    lines = 0

    def export_all() -> None:
        nonlocal lines
        for chunk in export(entries(app), ExportFormat.NDJSON):
            lines += chunk.count(b"\n")

    export_seconds = timed(export_all)
    pasts = PastReadModels(app)

    def public_list_then() -> None:
        with pasts.at(MIDDAY) as read:
            public_list(read)

    as_of_seconds = timed(public_list_then)
    again_seconds = timed(public_list_then)
    verify_seconds = timed(lambda: verify_chains(app.chain))
    n = f"whole store, {rows:,} events"
    raw_seconds = rows / raw_rate
    result.figures += [
        Figure(f"export NDJSON, {n}", lines / export_seconds, "ev/s", "raw SELECT", raw_rate),
        Figure(
            f"public list as of a moment, first, {n}", as_of_seconds, "s", "raw SELECT", raw_seconds
        ),
        Figure("public list as of the same moment, again", again_seconds * 1000, "ms"),
        Figure(f"hash chain verified, {n}", rows / verify_seconds, "ev/s", "raw SELECT", raw_rate),
    ]
