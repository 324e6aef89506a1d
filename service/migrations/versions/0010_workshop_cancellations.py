"""A ToT workshop's cancellation in its read model.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

- the read model `workshops` gets `cancelled_reason` (null unless the office cancelled it).
  Rescheduled dates and edited enterprises need no new column: the projector amends the
  rows it has. No workshop was cancelled before this revision, so no rebuild is needed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.migrations.schema import read_model

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column(read_model("workshops"), sa.Column("cancelled_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table(read_model("workshops")) as table:
        table.drop_column("cancelled_reason")
