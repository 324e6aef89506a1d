"""The office redelivers a webhook delivery that gave up.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

- `svc_webhook_deliveries` gets `started_at` (when its current round's workflow was started:
  a round gives up 3 days after), `redeliveries` (rounds the office asked for after the
  first, 0 before this revision) and `attempts_before` (attempts of the earlier rounds, so
  a round's attempts are numbered after them). Deliveries stored before have no `started_at`:
  their round is judged from `created_at`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

TABLE = "svc_webhook_deliveries"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as table:
        table.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(
            sa.Column("redeliveries", sa.Integer(), nullable=False, server_default="0")
        )
        table.add_column(
            sa.Column("attempts_before", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as table:
        table.drop_column("attempts_before")
        table.drop_column("redeliveries")
        table.drop_column("started_at")
