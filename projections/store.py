"""What a reader of the read models holds: the engine, the tables, and read-your-writes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from projections.leadership import batch_session_timeouts
from projections.tables import DEFAULT_PREFIX, ReadModelTables, make_tables
from projections.tracking import PROJECTION_NAME, ensure_tracking, read_position

WAIT_INTERVAL_SECONDS = 0.005


class ReadModelsBehind(TimeoutError):
    """The read models did not reach a write's position in time; the read would be stale."""

    def __init__(self, wanted: int, reached: int, timeout: float) -> None:
        super().__init__(
            f"The read models reached position {reached}, not {wanted}, within {timeout:g} s."
        )
        self.wanted, self.reached = wanted, reached


@dataclass(frozen=True)
class ReadModels:
    engine: Engine
    tables: ReadModelTables
    projection: str = PROJECTION_NAME

    def create(self) -> None:
        """Create the tables and the tracking row: for scratch tables only (a rebuild, an
        "as of" answer); the live ones are made by the migrations."""
        with self.engine.begin() as conn:
            self.tables.create(conn)
            ensure_tracking(conn, self.tables, self.projection)

    def start_tracking(self) -> None:
        """The tracking row at position 0, unless there is one (a row, not a table: two
        projectors may do it at once)."""
        with self.engine.begin() as conn:
            ensure_tracking(conn, self.tables, self.projection)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def position(self) -> int:
        """The last notification id whose effects the read models hold."""
        with self.engine.connect() as conn:
            return read_position(conn, self.tables, self.projection)

    def wait_for_position(self, position: int, timeout: float = 5.0) -> None:
        """Return once the read models hold `position` (a write's `Result.position`).

        Raises ReadModelsBehind if the projector has not got there within `timeout` seconds.
        """
        deadline = time.monotonic() + timeout
        while (reached := self.position()) < position:
            if time.monotonic() >= deadline:
                raise ReadModelsBehind(position, reached, timeout)
            time.sleep(WAIT_INTERVAL_SECONDS)


def read_models_at(
    url: str, prefix: str = DEFAULT_PREFIX, batch_timeout_seconds: float | None = None
) -> ReadModels:
    """Read models in the database at `url` (the event store's own, usually).

    The live tables are made by the migrations (`score migrate`); tables under another
    prefix, for a rebuild beside them, by `rebuild` itself. `batch_timeout_seconds`: for a
    projector among several (`read_model_engine`).
    """
    return ReadModels(read_model_engine(url, batch_timeout_seconds), make_tables(prefix))


def scratch_read_models(prefix: str = DEFAULT_PREFIX) -> ReadModels:
    """Empty read models in a private in-memory SQLite database (rebuilds, "as of" answers)."""
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    read_models = ReadModels(engine, make_tables(prefix))
    read_models.create()
    return read_models


def read_model_engine(url: str, batch_timeout_seconds: float | None = None) -> Engine:
    """An engine over the read models at `url`.

    `batch_timeout_seconds`, for a projector among several on PostgreSQL (the leader's
    timeout): its sessions give up on a dead peer, and the server ends one left idle in a
    transaction that long (`projections.leadership.batch_session_timeouts`), so a leader
    frozen mid-batch holds the tracking row from its successor for that long at most.
    """
    if not url.startswith("sqlite"):
        if batch_timeout_seconds is None:
            return create_engine(url, pool_pre_ping=True)
        return create_engine(
            url, pool_pre_ping=True, connect_args=batch_session_timeouts(batch_timeout_seconds)
        )
    engine = create_engine(url, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # The event store, the projector and the API share one file: WAL lets readers work
    # while one writer commits, and the busy timeout turns a brief lock into a short wait.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()
