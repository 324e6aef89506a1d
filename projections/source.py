"""Reading the application's notification log in order, a page at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Notification
from sqlalchemy import Table, select
from sqlalchemy.engine import Engine

ReadPage = Callable[[int, int, "int | None"], list[Notification]]
"""(after, limit, stop) -> the notifications with after < id <= stop, in id order."""


def notification_reader(app: Application[UUID]) -> ReadPage:
    """A Core query on the events table where the recorder has one, else the recorder's API.

    eventsourcing-sqlalchemy's `select_notifications` builds an ORM object per row, which
    makes it about four times slower than a Core SELECT of the same columns; a rebuild spends
    most of its time reading, so it goes straight to the table when it can.
    """
    recorder: Any = app.recorder
    record_class = getattr(recorder, "events_record_cls", None)
    engine = getattr(getattr(recorder, "datastore", None), "engine", None)
    if record_class is not None and isinstance(engine, Engine):
        return _core_reader(engine, record_class.__table__)

    def read(after: int, limit: int, stop: int | None) -> list[Notification]:
        page = app.recorder.select_notifications(
            start=after, limit=limit, stop=stop, inclusive_of_start=False
        )
        return list(page)

    return read


def _core_reader(engine: Engine, events: Table) -> ReadPage:
    c = events.c
    columns = select(c.id, c.originator_id, c.originator_version, c.topic, c.state)

    def read(after: int, limit: int, stop: int | None) -> list[Notification]:
        query = columns.where(c.id > after).order_by(c.id).limit(limit)
        if stop is not None:
            query = query.where(c.id <= stop)
        with engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            Notification(
                id=row.id,
                originator_id=row.originator_id,
                originator_version=row.originator_version,
                topic=row.topic,
                state=bytes(row.state),
            )
            for row in rows
        ]

    return read
