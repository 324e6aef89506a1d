"""Running the revisions, one migrator at a time, and the services' check that it was done.

Two migrators may start together (two replicas' deploy jobs, `score run` beside a
`score migrate`): on PostgreSQL they serialise on an advisory lock held for the upgrade's
transaction, on SQLite on a lock file beside the database. The second one then finds the
database at the newest revision and does nothing.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, event, make_url

from projections.store import read_model_engine
from service.settings import Settings
from service.storage.database import PRIVATE_FILE, prepare_storage

SCRIPTS = Path(__file__).parent  # env.py and versions/, shipped inside the package
# pg_advisory_xact_lock key of the migrators: any fixed number no other lock of ours uses.
POSTGRES_LOCK = 0x53434F5245  # "SCORE"
POLL_SECONDS = 0.2


class SchemaBehind(RuntimeError):
    """The database is not at the revision this release needs: run `score migrate`."""

    def __init__(self, stored: str | None, head: str, waited: float) -> None:
        found = f"at revision {stored}" if stored else "not migrated yet (no revision)"
        super().__init__(
            f"The database is {found}; this release needs revision {head}. "
            f"Run `score migrate` (waited {waited:g} s for a migration to finish)."
        )
        self.stored, self.head = stored, head


class SchemaAhead(RuntimeError):
    """The database was migrated by a newer release, whose tables this one may misread."""

    def __init__(self, stored: str, head: str) -> None:
        super().__init__(
            f"The database is at revision {stored}, which this release does not know (its "
            f"newest is {head}): a newer release migrated it. Run that release instead."
        )
        self.stored, self.head = stored, head


def alembic_config(settings: Settings) -> Config:
    """Alembic's configuration, made here rather than read from an alembic.ini: an installed
    package finds its revisions beside this module, and the database from Settings."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["settings"] = settings
    return config


def migrate(settings: Settings, revision: str = "head") -> str:
    """Upgrade the database to `revision` (default: the newest); return the revision it is at.

    Safe to run at any time and by several processes at once; at the revision, it does nothing.
    SchemaAhead, changing nothing, if a newer release migrated the database.
    """
    prepare_storage(settings)  # a new SQLite file is created owner-only, before SQLite would
    engine = read_model_engine(settings.sqlalchemy_url)
    try:
        _refuse_a_newer_schema(engine)
        with _one_migrator_at_a_time(settings.sqlalchemy_url):
            command.upgrade(alembic_config(settings), revision)
        return stored_revision(engine) or "base"
    finally:
        engine.dispose()


def require_schema(settings: Settings) -> None:
    """Return once the database is at the newest revision; what every process checks at start.

    A process started together with `score migrate` waits for it (up to
    `schema_wait_seconds`); then SchemaBehind says to run it. SchemaAhead at once if a newer
    release migrated the database.
    """
    head = head_revision()
    prepare_storage(settings)  # SQLite would make a missing file world-readable
    engine = read_model_engine(settings.sqlalchemy_url)
    started = time.monotonic()
    try:
        while (stored := stored_revision(engine)) != head:
            _refuse_a_newer_schema(engine, stored)
            waited = time.monotonic() - started
            if waited >= settings.schema_wait_seconds:
                raise SchemaBehind(stored, head, settings.schema_wait_seconds)
            time.sleep(POLL_SECONDS)
    finally:
        engine.dispose()


def migration_engine(url: str) -> Engine:
    """The engine a migrator uses: on SQLite, with the whole upgrade in one transaction.

    Python's sqlite3 would commit before each CREATE TABLE (one disk sync each, a third of a
    second for a fresh store) and leave a half-made schema after a crash; SQLAlchemy's recipe
    hands the transaction to us, and alembic then runs every revision inside one.
    """
    engine = read_model_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_driver_leaves_transactions_alone)
        event.listen(engine, "begin", _begin_immediately)
    return engine


def _sqlite_driver_leaves_transactions_alone(connection: Any, _record: Any) -> None:
    connection.isolation_level = None


def _begin_immediately(connection: Connection) -> None:
    # IMMEDIATE: take the write lock now, not at the first write; readers go on (WAL).
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def stored_revision(engine: Engine) -> str | None:
    """The revision the database is at; None if it was never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _refuse_a_newer_schema(engine: Engine, stored: str | None = None) -> None:
    stored = stored or stored_revision(engine)
    if stored is not None and stored not in known_revisions():
        raise SchemaAhead(stored, head_revision())


@cache
def head_revision() -> str:
    head = _scripts().get_current_head()
    assert head is not None, "service/migrations/versions holds no revision"
    return head


@cache
def known_revisions() -> frozenset[str]:
    return frozenset(script.revision for script in _scripts().walk_revisions())


def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(SCRIPTS))


@contextmanager
def _one_migrator_at_a_time(url: str) -> Iterator[None]:
    """On SQLite, an exclusive lock on `<database>-migration-lock`, held while migrating.

    (PostgreSQL's lock is taken in env.py, inside the upgrade's transaction.) SQLite cannot
    be shared between machines, so a lock on a file of the same machine is enough.
    """
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        yield
        return
    lock = Path(f"{parsed.database}-migration-lock")
    descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock
