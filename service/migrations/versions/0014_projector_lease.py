"""The projector's lease on SQLite (the read models' projector_lease table).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01

- `<prefix>projector_lease`: one row per projection, naming the projector that leads, its
  epoch (one more at each take-over) and when its lease runs out unless renewed. On SQLite the
  active projector renews it at every check and checks its epoch inside each batch's
  transaction, so a standby takes over from a frozen leader and the leader, when it wakes,
  writes nothing (`projections.leadership.SqliteLease`). PostgreSQL leaves it empty: its
  projectors lead by an advisory lock.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.migrations.schema import read_model

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        read_model("projector_lease"),
        sa.Column("projection", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table(read_model("projector_lease"))
