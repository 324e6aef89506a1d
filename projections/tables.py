"""The read-model tables, as SQLAlchemy Core tables under a common name prefix.

The prefix lets the same definitions exist twice in one database (the live `rm_` tables and a
rebuild beside them) or in a throw-away SQLite database. Every value in a row comes from
events (their fields and timestamps), never from the wall clock, so a rebuild from zero
gives the same rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.types import TypeDecorator

DEFAULT_PREFIX = "rm_"

ID = String(36)  # aggregate ids are UUIDs, kept as text so every backend compares them alike
CODE = String(32)  # modules, stages, roles, listings, indicators


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = value if value.tzinfo is UTC else value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _at(name: str, nullable: bool = False) -> Column[datetime]:
    return Column(name, UTCDateTime(), nullable=nullable)


@dataclass(frozen=True)
class ReadModelTables:
    """One complete set of read-model tables, all named `<prefix><name>`."""

    prefix: str
    metadata: MetaData
    tracking: Table
    projector_status: Table
    projector_lease: Table
    trainers: Table
    public_trainers: Table
    certificates: Table
    listing_changes: Table
    training_records: Table
    activity_reminders: Table
    workshops: Table
    journeys: Table
    stall_reminders: Table
    enterprises: Table
    toe_enterprises: Table
    classroom_workshops: Table
    material_downloads: Table

    @property
    def read_models(self) -> list[Table]:
        """Every table that holds projected rows (all but the tracking, status and lease
        tables)."""
        kept = {self.tracking, self.projector_status, self.projector_lease}
        return [t for t in self.metadata.sorted_tables if t not in kept]

    def create(self, bind: Engine | Connection) -> None:
        self.metadata.create_all(bind)

    def drop(self, bind: Engine | Connection) -> None:
        self.metadata.drop_all(bind)


def make_tables(prefix: str = DEFAULT_PREFIX) -> ReadModelTables:
    metadata = MetaData()
    tables = {
        name: Table(f"{prefix}{name}", metadata, *columns()) for name, columns in _COLUMNS.items()
    }
    return ReadModelTables(prefix=prefix, metadata=metadata, **tables)


# Each function returns fresh Column objects: a Column belongs to exactly one Table.


def _tracking() -> list[Column[Any]]:
    return [
        Column("projection", String(64), primary_key=True),
        Column("position", Integer, nullable=False),
    ]


def _projector_status() -> list[Column[Any]]:
    """How the projector fares: a row while it is stuck at an event it cannot project.

    Not a read model (it holds the wall clock and an error text): a rebuild neither writes
    nor compares it.
    """
    return [
        Column("projection", String(64), primary_key=True),
        Column("stuck_at", Integer, nullable=False),  # the notification id it cannot project
        Column("reason", Text, nullable=False),
        _at("since"),  # first failure at this position
        _at("checked_at"),  # latest attempt
    ]


def _projector_lease() -> list[Column[Any]]:
    """Which projector leads on SQLite, and until when (`projections.leadership.SqliteLease`).

    Not a read model (it holds the wall clock): a rebuild neither writes nor compares it.
    """
    return [
        Column("projection", String(64), primary_key=True),
        Column("holder", String(128), nullable=False),  # host:pid:random of the leader
        Column("epoch", Integer, nullable=False),  # one more at each take-over: the fence
        Column("expires_at", Float, nullable=False),  # Unix seconds; 0: released
    ]


def _trainers() -> list[Column[Any]]:
    """Private: the e-mail address lives here and never in the public list."""
    return [
        Column("trainer_id", ID, primary_key=True),
        Column("name", Text, nullable=False),
        Column("email", Text, nullable=False),
        Column("country", Text, nullable=False),
        Column("is_expert", Boolean, nullable=False),
        _at("registered_at"),
        Column("certificate_number", String(32), unique=True),
        _at("certified_at", nullable=True),
        Column("modules", Text, nullable=False),
        Column("listing", CODE),
        _at("listed_since", nullable=True),
        _at("clock_started_at", nullable=True),
        _at("last_training_record_at", nullable=True),
        _at("inactive_from", nullable=True),
        Column("delisting_reason", Text),
        Column("version", Integer, nullable=False),
        Column("merged_into", ID),  # this record was merged into that one: read it instead
    ]


def _public_trainers() -> list[Column[Any]]:
    """Public: only what the programme publishes about a listed trainer."""
    return [
        Column("certificate_number", String(32), primary_key=True),
        Column("name", Text, nullable=False),
        Column("country", Text, nullable=False),
        Column("modules", Text, nullable=False),
        _at("listed_since"),
    ]


def _certificates() -> list[Column[Any]]:
    return [
        Column("certificate_number", String(32), primary_key=True),
        Column("trainer_id", ID, nullable=False),
        _at("issued_at"),
    ]


def _listing_changes() -> list[Column[Any]]:
    return [
        Column("trainer_id", ID, primary_key=True),
        Column("event_version", Integer, primary_key=True),
        Column("listing", CODE, nullable=False),
        _at("changed_at"),
        Column("reason", Text),
    ]


def _training_records() -> list[Column[Any]]:
    return [
        Column("trainer_id", ID, primary_key=True),
        Column("event_version", Integer, primary_key=True),
        Column("delivered_on", Date, nullable=False),
        Column("module", CODE, nullable=False),
        Column("enterprises", Integer, nullable=False),
        Column("participants", Integer, nullable=False),
        _at("recorded_at"),
    ]


def _activity_reminders() -> list[Column[Any]]:
    return [
        Column("trainer_id", ID, primary_key=True),
        Column("clock_started_at", UTCDateTime(), primary_key=True),
        Column("months", Integer, primary_key=True),
        _at("sent_at"),
    ]


def _workshops() -> list[Column[Any]]:
    return [
        Column("workshop_id", ID, primary_key=True),
        Column("module", CODE, nullable=False),
        Column("code", Text, nullable=False),
        Column("starts_on", Date, nullable=False),
        Column("ends_on", Date, nullable=False),
        Column("venue", Text, nullable=False),
        Column("country", Text, nullable=False),
        Column("expert_id", ID, nullable=False),
        _at("scheduled_at"),
        Column("cancelled_reason", Text),  # null unless the office cancelled it
    ]


def _journeys() -> list[Column[Any]]:
    return [
        Column("journey_id", ID, primary_key=True),
        Column("trainer_id", ID, nullable=False, index=True),
        Column("module", CODE, nullable=False),
        Column("workshop_id", ID, nullable=False),
        Column("expert_id", ID, nullable=False, index=True),
        Column("stage", CODE, nullable=False),
        Column("is_open", Boolean, nullable=False),
        Column("cycle_number", Integer, nullable=False),
        Column("provisional_given", Boolean, nullable=False),
        Column("enterprises_selected", Integer, nullable=False),
        Column("classroom_delivered", Boolean, nullable=False),
        Column("next_action_by", CODE),
        Column("next_action", Text, nullable=False),
        _at("enrolled_at"),
        _at("last_step_at"),
        _at("ended_at", nullable=True),
        Column("withdrawal_reason", Text),
        Column("stall_reminded", Boolean, nullable=False),
        Column("version", Integer, nullable=False),
    ]


def _stall_reminders() -> list[Column[Any]]:
    return [
        Column("journey_id", ID, primary_key=True),
        Column("waiting_since", UTCDateTime(), primary_key=True),
        Column("next_action", Text, nullable=False),
        _at("sent_at"),
    ]


def _enterprises() -> list[Column[Any]]:
    return [
        Column("enterprise_id", ID, primary_key=True),
        Column("name", Text, nullable=False),
        Column("country", Text, nullable=False),
        Column("sector", Text, nullable=False),
        Column("employees", Integer, nullable=False),
        Column("women_employees", Integer, nullable=False),
        Column("size_warning", Text),  # its English sentence (as recorded, if it has no code)
        Column("size_warning_code", Text),  # its code, to be read in the reader's language
        Column("size_warning_params", JSON),  # the params its words are written from
        _at("registered_at"),
    ]


def _toe_enterprises() -> list[Column[Any]]:
    """One row per enterprise selected in a ToE cycle: its steps and measured indicators."""
    return [
        Column("journey_id", ID, primary_key=True),
        Column("cycle_number", Integer, primary_key=True),
        Column("enterprise_id", ID, primary_key=True, index=True),
        Column("trainer_id", ID, nullable=False),
        Column("module", CODE, nullable=False),
        Column("baseline", JSON),  # indicator: value, from the baseline assessment
        Column("coaching_visits", Integer, nullable=False),
        Column("reports", Integer, nullable=False),
        Column("latest", JSON),  # indicator: value, from the latest progress report
    ]


def _classroom_workshops() -> list[Column[Any]]:
    return [
        Column("journey_id", ID, primary_key=True),
        Column("cycle_number", Integer, primary_key=True),
        Column("trainer_id", ID, nullable=False),
        Column("module", CODE, nullable=False),
        Column("held_on", Date, nullable=False),
        Column("managers", Integer, nullable=False),
        Column("workers", Integer, nullable=False),
        Column("women", Integer, nullable=False),
        Column("enterprises", Integer, nullable=False),
        Column("satisfaction", Float),  # percent; None where the participants were not asked
    ]


def _material_downloads() -> list[Column[Any]]:
    """Each training material a trainer opened (downloaded): who, what, when."""
    return [
        Column("trainer_id", ID, primary_key=True),
        Column("event_version", Integer, primary_key=True),
        Column("module", CODE, nullable=False),
        Column("material", CODE, nullable=False),
        _at("opened_at"),
    ]


_COLUMNS: dict[str, Callable[[], list[Column[Any]]]] = {
    "tracking": _tracking,
    "projector_status": _projector_status,
    "projector_lease": _projector_lease,
    "trainers": _trainers,
    "public_trainers": _public_trainers,
    "certificates": _certificates,
    "listing_changes": _listing_changes,
    "training_records": _training_records,
    "activity_reminders": _activity_reminders,
    "workshops": _workshops,
    "journeys": _journeys,
    "stall_reminders": _stall_reminders,
    "enterprises": _enterprises,
    "toe_enterprises": _toe_enterprises,
    "classroom_workshops": _classroom_workshops,
    "material_downloads": _material_downloads,
}
