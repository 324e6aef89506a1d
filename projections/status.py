"""The projector's status, kept where the API reads it: its position, and whether it is stuck.

A projector that meets an event it cannot project does not skip it (read models that silently
miss an event mislead everyone) and does not exit (a supervisor would restart it into the
same event, and `score run` would stop the whole service with it). It stays up, writes a
status row saying where it is stuck, since when and why, and tries again now and then, so
that a fix — a recorded skip, a repaired database — takes effect without a restart. The API
reports the row in `/health/ready` and stops waiting for a projector known to be stuck.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from projections.store import ReadModels
from projections.stored import clean_text
from projections.tracking import read_position

MAX_REASON_CHARACTERS = 2000


@dataclass(frozen=True)
class Stuck:
    """The projector cannot project the event at `position`."""

    position: int
    reason: str
    since: datetime
    checked_at: datetime


@dataclass(frozen=True)
class Progress:
    """Where the read models are, and whether the projector is stuck (one read of both)."""

    position: int
    stuck: Stuck | None


def read_progress(read_models: ReadModels) -> Progress:
    with read_models.connect() as conn:
        position = read_position(conn, read_models.tables, read_models.projection)
        return Progress(position, _stuck(conn, read_models))


def record_stuck(read_models: ReadModels, position: int, reason: str, now: datetime) -> Stuck:
    """Say that the projector is stuck at `position`; `since` stays from the first failure."""
    t = read_models.tables.projector_status
    reason = clean_text(reason)[:MAX_REASON_CHARACTERS]  # an error may quote the poison
    row = {
        "projection": read_models.projection,
        "stuck_at": position,
        "reason": reason,
        "since": now,
        "checked_at": now,
    }
    with read_models.engine.begin() as conn:
        same = _stuck(conn, read_models)
        if same is not None and same.position == position:
            conn.execute(
                update(t)
                .where(t.c.projection == read_models.projection)
                .values(reason=reason, checked_at=now)
            )
        else:
            insert = postgresql.insert(t) if conn.dialect.name == "postgresql" else sqlite.insert(t)
            changed = {k: v for k, v in row.items() if k != "projection"}
            conn.execute(
                insert.values(row).on_conflict_do_update(
                    index_elements=[t.c.projection], set_=changed
                )
            )
        stuck = _stuck(conn, read_models)
    assert stuck is not None
    return stuck


def record_unstuck(read_models: ReadModels) -> None:
    t = read_models.tables.projector_status
    with read_models.engine.begin() as conn:
        conn.execute(delete(t).where(t.c.projection == read_models.projection))


def _stuck(conn: Connection, read_models: ReadModels) -> Stuck | None:
    t = read_models.tables.projector_status
    row = conn.execute(select(t).where(t.c.projection == read_models.projection)).first()
    if row is None:
        return None
    return Stuck(row.stuck_at, row.reason, row.since, row.checked_at)
