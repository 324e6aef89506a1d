"""Keys of personal data, one per person.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

- `svc_person_keys`: the AES-256-GCM key that seals each person's personal fields in the
  events (service/storage/personal.py); erasure empties `key` and sets `erased_at`. Persons
  recorded before this revision get a key with their next event; their earlier events keep
  their fields in plain text (docs/personal-data.md). No rebuild is needed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "svc_person_keys",
        sa.Column("person_id", sa.String(36), primary_key=True),
        sa.Column("key", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("svc_person_keys")
