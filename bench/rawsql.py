"""Raw database baselines: INSERT and SELECT of rows copied from the events table."""

from __future__ import annotations

import time
import uuid
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from sqlalchemy import Column, MetaData, Table, UniqueConstraint, select
from sqlalchemy.engine import Engine


def store_of(app: Application[UUID]) -> tuple[Engine, Table]:
    """The engine and events table of an eventsourcing-sqlalchemy recorder."""
    recorder: Any = app.recorder
    table: Table = recorder.events_record_cls.__table__
    engine: Engine = recorder.datastore.engine
    return engine, table


def insert_rate(engine: Engine, events: Table, count: int, per_transaction: int) -> float:
    """Rows per second through SQLAlchemy Core executemany, `per_transaction` rows each:
    `count` event rows (repeated if the store is smaller) under fresh aggregate ids."""
    c = events.c
    with engine.connect() as conn:
        rows = conn.execute(select(c.originator_version, c.topic, c.state).limit(count)).all()
    values = [{"originator_id": uuid.uuid4(), **rows[i % len(rows)]._mapping} for i in range(count)]
    scratch = Table(
        f"bench_raw_{uuid.uuid4().hex[:8]}",
        MetaData(),
        *(Column(c.name, c.type, primary_key=c.primary_key) for c in events.columns),
        UniqueConstraint("originator_id", "originator_version"),
    )
    scratch.create(engine)
    try:
        start = time.perf_counter()
        for i in range(0, len(values), per_transaction):
            with engine.begin() as conn:
                conn.execute(scratch.insert(), values[i : i + per_transaction])
        return len(values) / (time.perf_counter() - start)
    finally:
        scratch.drop(engine)


def select_rate(engine: Engine, events: Table, page: int = 5000) -> tuple[int, float]:
    """Every event row in id order, a page at a time, through the DB driver; (rows, rows/s)."""
    c = events.c
    query = select(c.id, c.originator_id, c.originator_version, c.topic, c.state)
    rows, last = 0, 0
    start = time.perf_counter()
    with engine.connect() as conn:
        while got := conn.execute(query.where(c.id > last).order_by(c.id).limit(page)).all():
            rows += len(got)
            last = got[-1].id
    return rows, rows / (time.perf_counter() - start)
