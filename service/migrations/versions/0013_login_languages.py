"""A login's chosen language (svc_users.language).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01

- `svc_users.language` (`en`, `fr` or `es`; NULL: not chosen) is the language a person picked
  in the pages' header. The pages read in it (else in the browser's language) and the e-mails
  the service sends the person are written in it (else in English). Every existing login has
  chosen nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("svc_users", sa.Column("language", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("svc_users") as table:
        table.drop_column("language")
