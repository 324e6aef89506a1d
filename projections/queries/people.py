"""Which record stands for a person: a record merged into another reads as that other one."""

from __future__ import annotations

from sqlalchemy import Connection, select

from projections.store import ReadModels

MAX_MERGES = 32  # a person registered more often than this is not a person but a loop


def person_id(read: ReadModels, trainer_id: str) -> str:
    """The record that stands for the person `trainer_id` names (itself unless merged)."""
    with read.connect() as conn:
        return _person_id(read, conn, trainer_id)


def records_of(read: ReadModels, trainer_id: str) -> tuple[str, tuple[str, ...]]:
    """The person's standing record, and every record of theirs (it and those merged into it)."""
    t = read.tables.trainers
    with read.connect() as conn:
        person = _person_id(read, conn, trainer_id)
        found, frontier = [person], [person]
        while frontier and len(found) < MAX_MERGES:
            merged = conn.execute(
                select(t.c.trainer_id).where(t.c.merged_into.in_(frontier))
            ).scalars()
            frontier = [m for m in merged if m not in found]
            found.extend(frontier)
    return person, tuple(found)


def _person_id(read: ReadModels, conn: Connection, trainer_id: str) -> str:
    t = read.tables.trainers
    current = trainer_id
    for _ in range(MAX_MERGES):
        into = conn.execute(
            select(t.c.merged_into).where(t.c.trainer_id == current)
        ).scalar_one_or_none()
        if into is None:
            return current
        current = into
    return current
