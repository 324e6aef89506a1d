"""Each certified trainer's standing: training records, reminders, listing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Table, select
from sqlalchemy.engine import Connection

from domain.calendar import add_months
from domain.trainer.state import INACTIVE_AFTER_MONTHS, Listing
from domain.values import Module
from projections.queries.listing import modules
from projections.queries.people import person_id
from projections.store import ReadModels


@dataclass(frozen=True)
class TrainingRecord:
    delivered_on: date
    module: Module
    enterprises: int
    participants: int
    recorded_at: datetime


@dataclass(frozen=True)
class ReminderSent:
    months: int  # the threshold reminded: months without a training record
    sent_at: datetime


@dataclass(frozen=True)
class TrainerStanding:
    trainer_id: str
    name: str
    country: str
    certificate_number: str
    modules: tuple[Module, ...]
    listing: Listing
    listed_since: datetime
    last_training_record: TrainingRecord | None
    training_records: int
    reminders_on_clock: tuple[ReminderSent, ...]  # since the yearly clock last restarted
    reminders_sent: int  # ever
    inactive_from: datetime | None  # when a listed trainer becomes inactive without a record
    delisted_at: datetime | None  # when an inactive or removed trainer left the list
    delisting_reason: str | None


def standing(
    read: ReadModels, trainer_id: str, inactive_after_months: int = INACTIVE_AFTER_MONTHS
) -> TrainerStanding | None:
    # A merged record: the person's.
    found = _standings(read, inactive_after_months, person_id(read, trainer_id))
    return found[0] if found else None


def standings(
    read: ReadModels,
    listing: Listing | None = None,
    inactive_after_months: int = INACTIVE_AFTER_MONTHS,
) -> list[TrainerStanding]:
    """Every certified trainer's standing by name; optionally only those with one listing.

    `inactive_after_months`: the inactivity period in force (a policy version's), by which
    a listed trainer's `inactive_from` is counted from their clock."""
    found = _standings(read, inactive_after_months)
    return [s for s in found if listing is None or s.listing is listing]


def _standings(
    read: ReadModels, inactive_after_months: int, trainer_id: str | None = None
) -> list[TrainerStanding]:
    t = read.tables
    with read.connect() as conn:
        trainers = [r for r in _rows(conn, t.trainers, trainer_id) if r.certificate_number]
        records = _by_trainer(_rows(conn, t.training_records, trainer_id))
        reminders = _by_trainer(_rows(conn, t.activity_reminders, trainer_id))
        changes = _by_trainer(_rows(conn, t.listing_changes, trainer_id))
    found = [
        _standing(
            row,
            records[row.trainer_id],
            reminders[row.trainer_id],
            changes[row.trainer_id],
            inactive_after_months,
        )
        for row in trainers
    ]
    return sorted(found, key=lambda s: (s.name, s.certificate_number))


def _rows(conn: Connection, table: Table, trainer_id: str | None) -> Sequence[Row[Any]]:
    query = select(table)
    if trainer_id is not None:
        query = query.where(table.c.trainer_id == trainer_id)
    return conn.execute(query).all()


def _by_trainer(rows: Sequence[Row[Any]]) -> defaultdict[str, list[Row[Any]]]:
    grouped: defaultdict[str, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.trainer_id].append(row)
    return grouped


def _standing(
    row: Row[Any],
    records: list[Row[Any]],
    reminders: list[Row[Any]],
    changes: list[Row[Any]],
    inactive_after_months: int,
) -> TrainerStanding:
    listing = Listing(row.listing)
    latest = max(records, key=lambda r: r.event_version, default=None)
    # A training record or a reinstatement restarts the clock; older reminders stay counted.
    on_clock = [r for r in reminders if r.clock_started_at == row.clock_started_at]
    last_change = max(changes, key=lambda c: c.event_version, default=None)
    delisted_at = None
    if last_change is not None and listing is not Listing.LISTED:
        delisted_at = last_change.changed_at
    return TrainerStanding(
        trainer_id=row.trainer_id,
        name=row.name,
        country=row.country,
        certificate_number=row.certificate_number,
        modules=modules(row.modules),
        listing=listing,
        listed_since=row.listed_since,
        last_training_record=_record(latest) if latest else None,
        training_records=len(records),
        reminders_on_clock=tuple(
            sorted((ReminderSent(r.months, r.sent_at) for r in on_clock), key=lambda r: r.sent_at)
        ),
        reminders_sent=len(reminders),
        # The row's is the default period's; the period in force counts from the same clock.
        inactive_from=(
            None
            if row.inactive_from is None
            else add_months(row.clock_started_at, inactive_after_months)
        ),
        delisted_at=delisted_at,
        delisting_reason=row.delisting_reason,
    )


def _record(row: Row[Any]) -> TrainingRecord:
    return TrainingRecord(
        row.delivered_on, Module(row.module), row.enterprises, row.participants, row.recorded_at
    )
