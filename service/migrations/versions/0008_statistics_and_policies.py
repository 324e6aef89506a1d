"""The participants' satisfaction with a ToE classroom workshop (optional, in percent).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

Workshops projected before it have none recorded (their events carry none), so the new
column starts empty and no rebuild is needed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.migrations.schema import read_model

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column(read_model("classroom_workshops"), sa.Column("satisfaction", sa.Float()))


def downgrade() -> None:
    with op.batch_alter_table(read_model("classroom_workshops")) as table:
        table.drop_column("satisfaction")
