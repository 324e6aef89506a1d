"""On PostgreSQL, a notification on every commit that stores events (the live projector's wake-up).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02

- `certification_events_notify()` and the statement-level trigger `certification_events_notify`
  on the events table: every statement that inserts events sends `NOTIFY` on the channel
  `<schema>.<table>` (e.g. `public.certification_events`), which PostgreSQL delivers only when
  the transaction commits, and once however many statements of it inserted. A trigger, not a
  statement of the recorder's: whoever writes the events (the application, an import, SQL by
  hand) wakes the projector. The channel is named after the events table and its schema, so
  deployments sharing a server under other tables or schemas do not wake each other, and
  every deployment following these events (under any read-model prefix) wakes.
  (`projections.wakeup.NotificationListener` LISTENs on it.) SQLite has no notifications:
  its projector polls.
"""

from __future__ import annotations

from alembic import op

from service.migrations.schema import EVENTS

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | None = None
depends_on: str | None = None

FUNCTION = f"{EVENTS}_notify"
TRIGGER = f"{EVENTS}_notify"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # The channel as `projections.wakeup` finds it: at most 63 bytes, as an
    # identifier (LISTEN's) is cut to: a longer one would make pg_notify refuse every insert.
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify(left(TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, 63), '');
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON {EVENTS} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {EVENTS}")
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
