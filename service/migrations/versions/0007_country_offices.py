"""Country offices (svc_users.countries), and the read models' countries as ISO codes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

An office user with countries is a country office; NULL (every user until now) is
headquarters. The read models held each country as typed (free text until this release);
the events that recorded it are read as codes now (their upcasts, domain/countries.py), so the
rows are turned into the same codes here, and the read models still equal a rebuild. The
events themselves are not touched.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from domain.countries import UNKNOWN_COUNTRY, code_for_recorded_text
from service.migrations.schema import has_table, read_model

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

# The read models whose rows carry a country (projections/tables.py).
WITH_A_COUNTRY = ("trainers", "enterprises", "workshops", "public_trainers")


def upgrade() -> None:
    op.add_column("svc_users", sa.Column("countries", sa.Text(), nullable=True))
    for name in WITH_A_COUNTRY:
        if has_table(read_model(name)):
            _countries_as_codes(read_model(name))


def _countries_as_codes(table_name: str) -> None:
    """Each distinct country text of the table, set to the code its events now read as."""
    table = sa.table(table_name, sa.column("country", sa.Text()))
    bind = op.get_bind()
    typed = bind.execute(sa.select(table.c.country).distinct()).scalars().all()
    for text in typed:
        code = code_for_recorded_text(text) or UNKNOWN_COUNTRY
        if code != text:
            bind.execute(table.update().where(table.c.country == text).values(country=code))


def downgrade() -> None:
    # The codes stay in the read models: a rebuild by the older release writes its own text.
    with op.batch_alter_table("svc_users") as table:
        table.drop_column("countries")
