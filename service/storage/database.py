"""The SQLAlchemy engine for the service's own tables (accounts, idempotency, audit log).

The tables themselves are made by the migrations (service/migrations, `score migrate`).

Also where the embedded default keeps its files private: the data folder holds the SQLite
database (password hashes among it) and the JWT secret, so it is the owner's alone (0700) and
the SQLite file is created owner-only (0600); SQLite gives its -wal and -shm files the
database file's mode.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from sqlalchemy import Engine, make_url
from sqlalchemy.orm import DeclarativeBase

from projections.store import read_model_engine
from service.settings import Settings

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


class ServiceTables(DeclarativeBase):
    """Tables that belong to the service, not to the event store or the read models."""


def create_service_engine(settings: Settings) -> Engine:
    """The same database as the event store; on SQLite with the same WAL and busy timeout."""
    prepare_storage(settings)
    return read_model_engine(settings.sqlalchemy_url)


def prepare_storage(settings: Settings) -> None:
    """Before any engine opens it: the private data folder and, on SQLite, a private file."""
    if settings.database_url is None:
        private_directory(settings.data_dir)
    private_sqlite_file(settings.sqlalchemy_url)


def private_directory(path: Path) -> None:
    """Create `path` owner-only, or make an existing one of ours so (older installs: 0755)."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    found = path.stat()
    if found.st_uid == os.getuid() and stat.S_IMODE(found.st_mode) & 0o077:
        path.chmod(PRIVATE_DIR)


def private_sqlite_file(url: str) -> None:
    """Create a SQLite database file owner-only before SQLite does (it would use 0644)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return
    path = Path(parsed.database)
    if not path.parent.is_dir():
        return  # SQLite itself will say that the folder is missing
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        if stat.S_IMODE(path.stat().st_mode) & 0o077 and path.stat().st_uid == os.getuid():
            path.chmod(PRIVATE_FILE)  # an older install's world-readable file


def write_private_file(path: Path, text: str, *, replace: bool = False) -> None:
    """Put `text` in `path`, owner-only (0600) from its first byte, complete or not at all.

    The text goes to a fresh draft created with O_CREAT|O_EXCL and mode 0600, which then takes
    the name in one step: nobody ever sees the file readable by others (as between writing and
    a later chmod), nor half-written. Without `replace`, FileExistsError if `path` exists, so
    two processes starting at once keep the first one's secret.
    """
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
        if replace:
            draft.replace(path)
        else:
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)
