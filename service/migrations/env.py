"""Alembic's environment: the database from Settings, and one migrator at a time.

Run by `score migrate` (service.migrations.migrate); also by Alembic's own command line for
writing a new revision (`alembic -c service/migrations/alembic.ini revision -m "…"`), which
reads the settings from SCORE_* variables like every other command.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from service.migrations.runner import POSTGRES_LOCK, migration_engine
from service.settings import Settings


def run_migrations() -> None:
    config = context.config
    settings = config.attributes.get("settings") or Settings()
    # The revisions name the read-model tables with the configured prefix.
    config.attributes.setdefault("read_model_prefix", settings.read_model_prefix)
    engine = migration_engine(settings.sqlalchemy_url)
    try:
        with engine.connect() as connection:
            # Transactional DDL on SQLite too: every revision commits together, or none does.
            context.configure(connection=connection, transactional_ddl=True)
            with context.begin_transaction():
                if connection.dialect.name == "postgresql":
                    # Held until this transaction ends: a second migrator waits here, then
                    # reads the revision the first one committed and has nothing left to do.
                    lock = text("SELECT pg_advisory_xact_lock(:key)")
                    connection.execute(lock, {"key": POSTGRES_LOCK})
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("No offline (--sql) migrations: the revisions look at the database first.")
run_migrations()
