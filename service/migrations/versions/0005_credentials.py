"""Webhooks for integrations: subscriptions, deliveries, every attempt, the dispatch position.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

Signed credentials themselves need no table: they are events on the trainer
(docs/credentials.md). The integrator re-chains this revision after the others of the release.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "svc_webhook_subscriptions",
        sa.Column("subscription_id", sa.String(36), primary_key=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("events", sa.Text(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "svc_webhook_deliveries",
        sa.Column("webhook_id", sa.String(120), primary_key=True),
        sa.Column("subscription_id", sa.String(36), nullable=False, index=True),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("position", POSITION, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("started", sa.Boolean(), nullable=False),
        sa.Column("delivered_at", MOMENT, nullable=True),
    )
    op.create_table(
        "svc_webhook_attempts",
        sa.Column("webhook_id", sa.String(120), primary_key=True),
        sa.Column("attempt", sa.Integer(), primary_key=True),
        sa.Column("attempted_at", MOMENT, nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
    )
    op.create_table(
        "svc_webhook_dispatch",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("position", POSITION, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "svc_webhook_dispatch",
        "svc_webhook_attempts",
        "svc_webhook_deliveries",
        "svc_webhook_subscriptions",
    ):
        op.drop_table(table)
