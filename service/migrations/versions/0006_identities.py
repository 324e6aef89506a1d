"""Two records of one person: a merged trainer's row names the record that stands for both.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Nothing was merged before this revision, so every existing row stays NULL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.migrations.schema import read_model

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column(read_model("trainers"), sa.Column("merged_into", sa.String(36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table(read_model("trainers")) as table:
        table.drop_column("merged_into")
