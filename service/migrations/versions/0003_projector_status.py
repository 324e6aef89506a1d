"""Where the projector is stuck, and since when (the read models' projector_status table).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

Builds after v0.1.0 created this table at start-up; a store of theirs keeps its own.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.migrations.schema import create_table_unless_present, read_model

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    create_table_unless_present(
        read_model("projector_status"),
        sa.Column("projection", sa.String(64), primary_key=True),
        sa.Column("stuck_at", sa.Integer(), nullable=False),  # the notification id
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table(read_model("projector_status"))
