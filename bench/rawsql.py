"""Raw database baselines: E0, a bare eventsourcing save (own tables, same database and
recorder, an event the size of a step's); R0 and W0, SELECT and INSERT of event rows."""

from __future__ import annotations

import time
import uuid
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from sqlalchemy import Column, MetaData, Table, UniqueConstraint, select
from sqlalchemy.engine import Engine

from service.settings import Settings

# A step event's JSON state is ~400–700 bytes (actor, command id, step, timestamps).
PAYLOAD = "x" * 400


class Probe(Aggregate):
    @event("Created")
    def __init__(self, payload: str) -> None:
        self.payload = payload


class BareStore(Application[UUID]):
    name = "benchbare"


def bare_store(settings: Settings) -> BareStore:
    env = dict(settings.eventsourcing_env())
    env.pop("AGGREGATE_CACHE_MAXSIZE", None)  # nothing is read back
    # The library's recorder without our hash chain: the baseline costs nothing of ours.
    env["PERSISTENCE_MODULE"] = "service.storage.event_store:PrePingingFactory"
    env["CREATE_TABLE"] = "true"  # not the service's schema: the library makes its table
    return BareStore(env=env)


def bare_save(store: BareStore) -> None:
    """Save one new 1-event aggregate."""
    store.save(Probe(PAYLOAD))


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
