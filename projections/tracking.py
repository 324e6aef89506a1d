"""The tracking row: the last notification id whose effects the read models hold.

It is updated in the same transaction as the rows, so rows and position never disagree: a
crash before the commit leaves both as they were, and the batch is processed again.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from projections.tables import ReadModelTables

PROJECTION_NAME = "read_models"


class PositionMoved(RuntimeError):
    """Someone else advanced or reset the tracking row while this batch was being built."""


def ensure_tracking(conn: Connection, t: ReadModelTables, projection: str) -> None:
    start = {"projection": projection, "position": 0}
    if conn.dialect.name == "postgresql":
        conn.execute(postgresql.insert(t.tracking).values(start).on_conflict_do_nothing())
    else:
        conn.execute(sqlite.insert(t.tracking).values(start).on_conflict_do_nothing())


def read_position(conn: Connection, t: ReadModelTables, projection: str) -> int:
    position = conn.scalar(
        select(t.tracking.c.position).where(t.tracking.c.projection == projection)
    )
    return position or 0


def advance_position(
    conn: Connection, t: ReadModelTables, projection: str, expected: int, new: int
) -> None:
    """Move the position forward, but only from where this projector believes it is.

    If two projectors ever ran at once, the second to commit finds the row moved, rolls its
    batch back and starts again from the committed position: still exactly once.
    """
    moved = conn.execute(
        update(t.tracking)
        .where(t.tracking.c.projection == projection, t.tracking.c.position == expected)
        .values(position=new)
    )
    if moved.rowcount != 1:
        raise PositionMoved(f"{projection} is no longer at {expected}; another writer moved it.")
