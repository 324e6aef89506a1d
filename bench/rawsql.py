"""Raw database baselines: INSERT and SELECT of rows shaped like the event store's own.

Rows are copied from the events table itself (same sizes, same originator ids), into a
scratch table with the same columns and unique key, in the same database.
"""

from __future__ import annotations

import time
import uuid
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from sqlalchemy import (
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    select,
)
from sqlalchemy.engine import Engine


def store_of(app: Application[UUID]) -> tuple[Engine, Table]:
    """The engine and events table of an eventsourcing-sqlalchemy recorder."""
    recorder: Any = app.recorder
    table: Table = recorder.events_record_cls.__table__
    engine: Engine = recorder.datastore.engine
    return engine, table


def sample_rows(engine: Engine, events: Table, count: int) -> list[dict[str, Any]]:
    """`count` event rows (repeated if the store is smaller), as plain column dicts."""
    query = select(events.c.originator_id, events.c.topic, events.c.state).limit(count)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    return [rows[i % len(rows)] for i in range(count)]


def scratch_table(engine: Engine) -> Table:
    """A fresh table shaped like the events table (as eventsourcing-sqlalchemy makes it)."""
    table = Table(
        f"bench_raw_{uuid.uuid4().hex[:8]}",
        MetaData(),
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("originator_id", String(36), nullable=False),
        Column("originator_version", Integer, nullable=False),
        Column("topic", String(255), nullable=False),
        Column("state", LargeBinary, nullable=False),
        UniqueConstraint("originator_id", "originator_version"),
    )
    table.create(engine)
    return table


def insert_rate(engine: Engine, rows: list[dict[str, Any]], per_transaction: int) -> float:
    """Rows per second through SQLAlchemy Core executemany, `per_transaction` rows each."""
    table = scratch_table(engine)
    values = [
        {
            "originator_id": str(uuid.uuid4()),
            "originator_version": 1,
            "topic": r["topic"],
            "state": bytes(r["state"]),
        }
        for r in rows
    ]
    start = time.perf_counter()
    for i in range(0, len(values), per_transaction):
        with engine.begin() as conn:
            conn.execute(table.insert(), values[i : i + per_transaction])
    rate = len(values) / (time.perf_counter() - start)
    table.drop(engine)
    return rate


def select_rate(engine: Engine, events: Table, page: int = 5000) -> tuple[int, float]:
    """Every event row in id order, a page at a time, through the DB driver; (rows, rows/s)."""
    c = events.c
    query = select(c.id, c.originator_id, c.originator_version, c.topic, c.state)
    rows, last = 0, 0
    start = time.perf_counter()
    with engine.connect() as conn:
        while True:
            got = conn.execute(query.where(c.id > last).order_by(c.id).limit(page)).all()
            if not got:
                break
            rows += len(got)
            last = got[-1].id
    return rows, rows / (time.perf_counter() - start)
