"""Logins for people, the messages that failed, and the training materials.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

- `svc_invitations`: invitation links, as digests (service/app/invitations.py);
- `outbox.failed_at`, `outbox.failure`: the last failed hand-over to the SMTP server;
- `svc_material_files`: the training materials the office uploads (service/app/materials.py);
- the read model `material_downloads`: who opened which material when. Materials opened
  before this revision reach it when the read models are rebuilt (`score projector rebuild`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.migrations.schema import read_model

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "svc_invitations",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(120), nullable=False, index=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column("outbox", sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("outbox", sa.Column("failure", sa.Text(), nullable=True))
    op.create_table(
        "svc_material_files",
        sa.Column("module", sa.String(32), primary_key=True),
        sa.Column("material", sa.String(32), primary_key=True),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(120), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        read_model("material_downloads"),
        sa.Column("trainer_id", sa.String(36), primary_key=True),
        sa.Column("event_version", sa.Integer(), primary_key=True),
        sa.Column("module", sa.String(32), nullable=False),
        sa.Column("material", sa.String(32), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table(read_model("material_downloads"))
    op.drop_table("svc_material_files")
    with op.batch_alter_table("outbox") as table:
        table.drop_column("failure")
        table.drop_column("failed_at")
    op.drop_table("svc_invitations")
