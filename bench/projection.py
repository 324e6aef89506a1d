"""T7: projection rebuild over a large synthetic store, beside raw SELECT (R0) and INSERT (W0)."""

from __future__ import annotations

import time

from bench.context import Context, open_store, postgres_database
from bench.rawsql import insert_rate, select_rate, store_of
from bench.report import FamilyResult, Figure, Target
from bench.synth import fill
from projections.rebuild import rebuild
from projections.store import read_models_at
from service.settings import Settings

TITLE = "Projection rebuild vs raw SELECT scan and raw batched INSERT"
W0_ROWS = 100_000  # enough for a steady rate; the INSERT rate does not depend on store size
POSTGRES_EVENTS = 200_000  # the PostgreSQL store is kept smaller: it fills 4× slower


async def measure(ctx: Context, result: FamilyResult) -> None:
    events = ctx.scale.projection_events
    sqlite = Settings(data_dir=ctx.folder("projection-sqlite"))
    backend(sqlite, events, "SQLite", result)
    if ctx.scale.postgres:
        with postgres_database() as url:
            if url is None:
                result.notes.append("PostgreSQL not reachable: its figures are missing")
                return
            pg = Settings(data_dir=ctx.folder("projection-pg"), database_url=url)
            backend(pg, min(events, POSTGRES_EVENTS), "PostgreSQL", result)


def backend(settings: Settings, events: int, label: str, result: FamilyResult) -> None:
    app = open_store(settings)
    try:
        started = time.perf_counter()
        total = fill(app, events)
        filled = time.perf_counter() - started
        engine, table = store_of(app)
        rows, r0 = select_rate(engine, table)
        w0 = insert_rate(engine, table, min(W0_ROWS, total), 1000)
        beside = read_models_at(settings.sqlalchemy_url, "rb_")
        beside.create()  # scratch tables beside the real ones, which the migrations made
        started = time.perf_counter()
        rebuilt = rebuild(app, beside)
        rate = rebuilt / (time.perf_counter() - started)
        beside.tables.drop(beside.engine)
        beside.engine.dispose()
    finally:
        app.close()
    result.details[label] = {"events": total, "fill_seconds": filled, "select_rows": rows}
    t7 = (Target(">=", 0.25), Target(">=", 20_000, "value"))
    result.add(
        Figure(
            f"rebuild, same DB ({label}, {total:,} events)",
            rate,
            "ev/s",
            "W0 raw INSERT 1000/txn",
            w0,
            t7,
        ),
        Figure(f"rebuild vs raw SELECT scan ({label})", rate, "ev/s", "R0 raw SELECT", r0),
    )
