"""The schema of release v0.1.0 (tag v0.1.0), as its processes created it at start-up.

Revision ID: 0001
Revises:
Create Date: 2026-12-01

Frozen here, not imported from the code: the code's tables move on, this revision must not.
A store written by v0.1.0 already holds these tables; each is created only where missing.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy_utils.types.uuid import UUIDType

from service.migrations.schema import EVENTS, create_table_unless_present, read_model

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

# Positions and versions: 64-bit on PostgreSQL; on SQLite an INTEGER key is the rowid.
NUMBER = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ID = sa.String(36)  # aggregate ids in read models, as text
CODE = sa.String(32)


def _at() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    _event_store()
    _service_tables()
    _read_models()


def downgrade() -> None:
    raise NotImplementedError("v0.1.0 is the first revision: there is nothing to go back to.")


def _event_store() -> None:
    """eventsourcing-sqlalchemy's events table, and the hash chain beside it."""
    create_table_unless_present(
        EVENTS,
        sa.Column("id", NUMBER, primary_key=True, autoincrement=True),  # the notification id
        sa.Column("originator_id", UUIDType(), nullable=False),
        sa.Column("originator_version", NUMBER, nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.Index(f"{EVENTS}_aggregate_idx", "originator_id", "originator_version", unique=True),
    )
    create_table_unless_present(
        f"{EVENTS}_chain",
        sa.Column("originator_id", UUIDType(), primary_key=True),
        sa.Column("originator_version", NUMBER, primary_key=True),
        sa.Column("position", NUMBER, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Index(f"{EVENTS}_chain_position", "position"),
    )


def _service_tables() -> None:
    create_table_unless_present(
        "svc_users",
        sa.Column("username", sa.String(120), primary_key=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("trainer_id", sa.String(36), nullable=True),
    )
    create_table_unless_present(
        "svc_idempotency",
        sa.Column("username", sa.String(120), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )
    create_table_unless_present(
        "svc_audit_reads",
        sa.Column("id", NUMBER, primary_key=True, autoincrement=True),
        sa.Column("read_at", _at(), nullable=False, index=True),
        sa.Column("username", sa.String(120), nullable=False, index=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("path", sa.String(1000), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
    )
    create_table_unless_present(
        "outbox",
        sa.Column("message_id", sa.String(400), primary_key=True),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("stored_at", _at(), nullable=False),
        sa.Column("delivered_at", _at(), nullable=True),
    )


def _read_models() -> None:
    create_table_unless_present(
        read_model("tracking"),
        sa.Column("projection", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    create_table_unless_present(
        read_model("trainers"),
        sa.Column("trainer_id", ID, primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("country", sa.Text(), nullable=False),
        sa.Column("is_expert", sa.Boolean(), nullable=False),
        sa.Column("registered_at", _at(), nullable=False),
        sa.Column("certificate_number", sa.String(32), unique=True),
        sa.Column("certified_at", _at(), nullable=True),
        sa.Column("modules", sa.Text(), nullable=False),
        sa.Column("listing", CODE),
        sa.Column("listed_since", _at(), nullable=True),
        sa.Column("clock_started_at", _at(), nullable=True),
        sa.Column("last_training_record_at", _at(), nullable=True),
        sa.Column("inactive_from", _at(), nullable=True),
        sa.Column("delisting_reason", sa.Text()),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    create_table_unless_present(
        read_model("public_trainers"),
        sa.Column("certificate_number", sa.String(32), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("country", sa.Text(), nullable=False),
        sa.Column("modules", sa.Text(), nullable=False),
        sa.Column("listed_since", _at(), nullable=False),
    )
    create_table_unless_present(
        read_model("certificates"),
        sa.Column("certificate_number", sa.String(32), primary_key=True),
        sa.Column("trainer_id", ID, nullable=False),
        sa.Column("issued_at", _at(), nullable=False),
    )
    create_table_unless_present(
        read_model("listing_changes"),
        sa.Column("trainer_id", ID, primary_key=True),
        sa.Column("event_version", sa.Integer(), primary_key=True),
        sa.Column("listing", CODE, nullable=False),
        sa.Column("changed_at", _at(), nullable=False),
        sa.Column("reason", sa.Text()),
    )
    create_table_unless_present(
        read_model("training_records"),
        sa.Column("trainer_id", ID, primary_key=True),
        sa.Column("event_version", sa.Integer(), primary_key=True),
        sa.Column("delivered_on", sa.Date(), nullable=False),
        sa.Column("module", CODE, nullable=False),
        sa.Column("enterprises", sa.Integer(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("recorded_at", _at(), nullable=False),
    )
    create_table_unless_present(
        read_model("activity_reminders"),
        sa.Column("trainer_id", ID, primary_key=True),
        sa.Column("clock_started_at", _at(), primary_key=True),
        sa.Column("months", sa.Integer(), primary_key=True),
        sa.Column("sent_at", _at(), nullable=False),
    )
    create_table_unless_present(
        read_model("workshops"),
        sa.Column("workshop_id", ID, primary_key=True),
        sa.Column("module", CODE, nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("venue", sa.Text(), nullable=False),
        sa.Column("country", sa.Text(), nullable=False),
        sa.Column("expert_id", ID, nullable=False),
        sa.Column("scheduled_at", _at(), nullable=False),
    )
    create_table_unless_present(
        read_model("journeys"),
        sa.Column("journey_id", ID, primary_key=True),
        sa.Column("trainer_id", ID, nullable=False, index=True),
        sa.Column("module", CODE, nullable=False),
        sa.Column("workshop_id", ID, nullable=False),
        sa.Column("expert_id", ID, nullable=False, index=True),
        sa.Column("stage", CODE, nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("cycle_number", sa.Integer(), nullable=False),
        sa.Column("provisional_given", sa.Boolean(), nullable=False),
        sa.Column("enterprises_selected", sa.Integer(), nullable=False),
        sa.Column("classroom_delivered", sa.Boolean(), nullable=False),
        sa.Column("next_action_by", CODE),
        sa.Column("next_action", sa.Text(), nullable=False),
        sa.Column("enrolled_at", _at(), nullable=False),
        sa.Column("last_step_at", _at(), nullable=False),
        sa.Column("ended_at", _at(), nullable=True),
        sa.Column("withdrawal_reason", sa.Text()),
        sa.Column("stall_reminded", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    create_table_unless_present(
        read_model("stall_reminders"),
        sa.Column("journey_id", ID, primary_key=True),
        sa.Column("waiting_since", _at(), primary_key=True),
        sa.Column("next_action", sa.Text(), nullable=False),
        sa.Column("sent_at", _at(), nullable=False),
    )
    create_table_unless_present(
        read_model("enterprises"),
        sa.Column("enterprise_id", ID, primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("country", sa.Text(), nullable=False),
        sa.Column("sector", sa.Text(), nullable=False),
        sa.Column("employees", sa.Integer(), nullable=False),
        sa.Column("women_employees", sa.Integer(), nullable=False),
        sa.Column("size_warning", sa.Text()),
        sa.Column("registered_at", _at(), nullable=False),
    )
    create_table_unless_present(
        read_model("toe_enterprises"),
        sa.Column("journey_id", ID, primary_key=True),
        sa.Column("cycle_number", sa.Integer(), primary_key=True),
        sa.Column("enterprise_id", ID, primary_key=True, index=True),
        sa.Column("trainer_id", ID, nullable=False),
        sa.Column("module", CODE, nullable=False),
        sa.Column("baseline", sa.JSON()),
        sa.Column("coaching_visits", sa.Integer(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("latest", sa.JSON()),
    )
    create_table_unless_present(
        read_model("classroom_workshops"),
        sa.Column("journey_id", ID, primary_key=True),
        sa.Column("cycle_number", sa.Integer(), primary_key=True),
        sa.Column("trainer_id", ID, nullable=False),
        sa.Column("module", CODE, nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("managers", sa.Integer(), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.Column("women", sa.Integer(), nullable=False),
        sa.Column("enterprises", sa.Integer(), nullable=False),
    )
