"""A throw-away database on the real PostgreSQL server at 127.0.0.1:5432, per test run."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import make_url

SERVER = os.environ.get("SCORE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def empty_every_table(url: str) -> None:
    """Every row gone, the schema (and the revision it is at) kept.

    Emptying the tables is several times quicker than creating a database for each test.
    """
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        listed = conn.execute(
            "SELECT tablename FROM pg_tables "
            "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        )
        if tables := ", ".join(f'"{name}"' for (name,) in listed):
            conn.execute(f"TRUNCATE {tables} RESTART IDENTITY")


@contextmanager
def scratch_database(prefix: str = "score_test") -> Iterator[str]:
    """Create a fresh database, yield its SQLAlchemy URL, and drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        base = SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def terminate_connections(database_url: str) -> int:
    """pg_terminate_backend on every connection to the database at `database_url`, as a
    restart, a failover or an operator would; returns how many were cut."""
    name = make_url(database_url).database
    with psycopg.connect(SERVER, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return sum(1 for (terminated,) in rows if terminated)
