"""Rebuild the read models from zero, compare them with the live ones, and look "as of" a date.

All three run the same projection code as the live projector, into other tables: a second
prefix in the same database, or a throw-away in-memory SQLite database.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, Literal
from uuid import UUID

from eventsourcing.application import Application
from sqlalchemy import Table, select
from tenacity import retry, retry_if_exception_type, stop_after_attempt

from domain.recorded import require_aware
from projections.projection import DomainEvent
from projections.projector import Projector
from projections.store import ReadModels, scratch_read_models

Key = tuple[Any, ...]
RowsByKey = dict[Key, dict[str, Any]]
LIVE_READ_ATTEMPTS = 5
# Rebuilds write into tables nobody else uses, so larger transactions cost no one a wait,
# and each aggregate's rows are written once per batch rather than once per 1000 events.
REBUILD_BATCH_SIZE = 5000


@dataclass(frozen=True)
class RowDifference:
    """One row that differs between the live and the rebuilt read models."""

    table: str  # without the prefix, e.g. "journeys"
    key: dict[str, Any]
    kind: Literal["missing_in_live", "missing_in_rebuilt", "changed"]
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # column: (live, rebuilt)


@dataclass(frozen=True)
class RebuildReport:
    position: int  # both sides hold exactly the notifications up to here
    rows_compared: int
    differences: tuple[RowDifference, ...]

    @property
    def identical(self) -> bool:
        return not self.differences


def rebuild(app: Application[UUID], target: ReadModels, stop: int | None = None) -> int:
    """Drop and recreate `target`'s tables, then project the log into them up to `stop`."""
    target.tables.drop(target.engine)
    target.create()
    with long_lived_objects_left_alone():
        return Projector(app, target, batch_size=REBUILD_BATCH_SIZE).catch_up(stop)


@contextmanager
def long_lived_objects_left_alone() -> Iterator[None]:
    """Keep the garbage collector's full collections off the objects that were there before.

    A rebuild makes objects fast, and many live on (states, rows): every so often Python's
    collector then walks every object of the process — modules, the application, the
    database's metadata — which cost a rebuild of 15,000 events a sixth of its time. Those
    are frozen for the rebuild (`gc.freeze`) and thawed after it, so nothing is kept that
    would have been collected: it is only collected later.

    `gc.unfreeze` thaws everything frozen in the process, not only what this froze: use it
    only where nothing else freezes objects (a server that freezes its modules before
    forking workers, say), or it would thaw theirs too. Its callers today
    (`score rebuild-read-models`, the bench) freeze nothing.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def rebuild_and_compare(
    app: Application[UUID], live: ReadModels, scratch: ReadModels | None = None
) -> RebuildReport:
    """Rebuild every read model from the event store into `scratch` (default: a throw-away
    in-memory SQLite) up to the live position, and report each row that differs."""
    scratch = scratch or scratch_read_models()
    if scratch.tables.prefix == live.tables.prefix and scratch.engine.url == live.engine.url:
        raise ValueError("Rebuild into other tables than the live ones (another prefix or DB).")
    position, live_rows = _consistent_live_rows(live)
    rebuild(app, scratch, stop=position)
    differences: list[RowDifference] = []
    compared = 0
    for name, rows in live_rows.items():
        rebuilt = _rows_by_key(scratch, _table(scratch, name))
        differences += _differences(name, _table(live, name), rows, rebuilt)
        compared += len(rows.keys() | rebuilt.keys())
    return RebuildReport(position, compared, tuple(differences))


def as_of(app: Application[UUID], moment: datetime | date) -> ReadModels:
    """The read models as they stood at `moment`, in a throw-away in-memory SQLite database.

    A date means the end of that day (UTC). Events count by their timestamp (when the step
    happened). Each aggregate contributes its events up to its first one after `moment`, so
    a state is never built on a gap.
    """
    scratch = scratch_read_models()
    accept = StoodAt(end_of_day(moment))
    Projector(app, scratch, batch_size=REBUILD_BATCH_SIZE, accept=accept).catch_up()
    return scratch


def end_of_day(moment: datetime | date) -> datetime:
    """A date stands for the end of that day, UTC; a datetime must carry its zone."""
    if isinstance(moment, datetime):
        return require_aware(moment)
    return datetime.combine(moment, time.max, UTC)


class StoodAt:
    """The projector's filter for "as of": accepts an event if its aggregate has had no
    event after the moment so far (so no state is built on a gap)."""

    def __init__(self, moment: datetime) -> None:
        self._moment = moment
        self._stopped: set[Any] = set()

    def __call__(self, event: DomainEvent) -> bool:
        if event.originator_id in self._stopped:
            return False
        if event.timestamp > self._moment:
            self._stopped.add(event.originator_id)
            return False
        return True


def _consistent_live_rows(live: ReadModels) -> tuple[int, dict[str, RowsByKey]]:
    """Every live row and the position they reflect, read while no batch was committed.

    The projector commits rows and position together, so if the position is the same before
    and after reading the rows, no commit happened in between and the rows match it.
    """
    try:
        return _rows_at_one_position(live)
    except _CommittedMeanwhile:
        raise RuntimeError(
            "The live read models kept changing; stop the projector and retry."
        ) from None


class _CommittedMeanwhile(Exception):
    """The projector committed a batch while the live rows were read."""


@retry(
    retry=retry_if_exception_type(_CommittedMeanwhile),
    stop=stop_after_attempt(LIVE_READ_ATTEMPTS),
    reraise=True,
)
def _rows_at_one_position(live: ReadModels) -> tuple[int, dict[str, RowsByKey]]:
    before = live.position()
    rows = {_name(live, t): _rows_by_key(live, t) for t in live.tables.read_models}
    if live.position() != before:
        raise _CommittedMeanwhile
    return before, rows


def _rows_by_key(read_models: ReadModels, table: Table) -> RowsByKey:
    keys = [c.name for c in table.primary_key.columns]
    with read_models.connect() as conn:
        rows = conn.execute(select(table)).mappings().all()
    return {tuple(row[k] for k in keys): dict(row) for row in rows}


def _differences(
    name: str, table: Table, live: RowsByKey, rebuilt: RowsByKey
) -> list[RowDifference]:
    key_names = [c.name for c in table.primary_key.columns]
    found = []
    for key in sorted(live.keys() | rebuilt.keys(), key=repr):
        labelled = dict(zip(key_names, key, strict=True))
        if key not in rebuilt:
            found.append(RowDifference(name, labelled, "missing_in_rebuilt"))
        elif key not in live:
            found.append(RowDifference(name, labelled, "missing_in_live"))
        elif changes := _changed_columns(live[key], rebuilt[key]):
            found.append(RowDifference(name, labelled, "changed", changes))
    return found


def _changed_columns(live: dict[str, Any], rebuilt: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {c: (live[c], rebuilt[c]) for c in live if live[c] != rebuilt[c]}


def _name(read_models: ReadModels, table: Table) -> str:
    return table.name.removeprefix(read_models.tables.prefix)


def _table(read_models: ReadModels, name: str) -> Table:
    table: Table = read_models.tables.metadata.tables[read_models.tables.prefix + name]
    return table
