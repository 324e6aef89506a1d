"""An enterprise's size warning as a code and its params in its read model.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02

- the read model `enterprises` gets `size_warning_code` and `size_warning_params` (JSON):
  a size warning is recorded with a code and its params (employees, the range, its policy
  version) so that the pages word it in the reader's language; `size_warning` keeps its
  English sentence. Rows projected before this revision hold warnings recorded as text
  alone, which is what the events recorded then: both new columns stay null for them, and
  their text is shown as recorded, so no rebuild is needed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.migrations.schema import read_model

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column(read_model("enterprises"), sa.Column("size_warning_code", sa.Text()))
    op.add_column(read_model("enterprises"), sa.Column("size_warning_params", sa.JSON()))


def downgrade() -> None:
    with op.batch_alter_table(read_model("enterprises")) as table:
        table.drop_column("size_warning_params")
        table.drop_column("size_warning_code")
