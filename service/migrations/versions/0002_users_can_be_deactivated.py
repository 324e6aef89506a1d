"""Users can be deactivated, and their tokens from before refused (svc_users).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

Builds after v0.1.0 added these columns at start-up; a store of theirs keeps its own.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.migrations.schema import has_column

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Existing users stay active, and every token they hold stays valid.
    if not has_column("svc_users", "active"):
        op.add_column(
            "svc_users",
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        )
    if not has_column("svc_users", "tokens_valid_from"):  # epoch seconds
        op.add_column(
            "svc_users",
            sa.Column("tokens_valid_from", sa.Integer(), nullable=False, server_default="0"),
        )


def downgrade() -> None:
    with op.batch_alter_table("svc_users") as table:
        table.drop_column("tokens_valid_from")
        table.drop_column("active")
