"""Recorded skips: events the read models leave out, with who decided it and why.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

Beside the events, not the read models (projections/skips.py says why). Builds after v0.1.0
created this table at start-up; a store of theirs keeps its own.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.migrations.schema import EVENTS, create_table_unless_present

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

SKIPS = f"{EVENTS}_projection_skips"


def upgrade() -> None:
    create_table_unless_present(
        SKIPS,
        sa.Column("projection", sa.String(64), primary_key=True),
        sa.Column(
            "position", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
        ),
        sa.Column("aggregate_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("skipped_by", sa.Text(), nullable=False),
        sa.Column("skipped_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table(SKIPS)
