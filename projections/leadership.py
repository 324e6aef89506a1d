"""Which projector is active when several run: one leads, the others stand by and take over.

Two projectors writing at once would still be correct (each batch moves the tracking row
from the position it read, or is thrown away: `projections.tracking.PositionMoved`), but
they would do every batch twice and throw half away. So one leads:

* on PostgreSQL, the one holding a session-level advisory lock (`AdvisoryLock`). The server
  releases it when the holder's connection ends, a killed process's included, so a standby
  polling `pg_try_advisory_lock` takes over within `check_seconds`. A leader whose connection
  was cut (a failover, `pg_terminate_backend`) has lost the lock with it: it notices at its
  next check and stands by;
* on SQLite, the one holding an exclusive `flock` on a file beside the data (`FileLock`); the
  kernel releases it when the process dies. Processes on one machine only, as SQLite is.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)


class Leadership(Protocol):
    def try_acquire(self) -> bool:
        """Take the lead if nobody holds it; True if this process holds it now."""
        ...

    def still_held(self) -> bool:
        """Whether the lead taken is still this process's."""
        ...

    def release(self) -> None: ...


def lock_key(name: str) -> int:
    """A stable advisory-lock key for `name` (the read models' projection name)."""
    return zlib.crc32(f"score-projector:{name}".encode())


class AdvisoryLock:
    """PostgreSQL's session-level advisory lock, held on a connection of its own."""

    def __init__(self, engine: Engine, key: int) -> None:
        self._engine = engine
        self._key = key
        self._held: Connection | None = None

    def try_acquire(self) -> bool:
        if self._held is not None:
            return self.still_held()
        try:
            connection = self._engine.connect()
        except DBAPIError as error:  # the database is away: stand by, and try again later
            log.warning("projector: cannot reach the database to take the lead: %s", error)
            return False
        try:
            taken = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key})
            connection.commit()  # the lock is the session's; no transaction is left open
        except DBAPIError as error:  # e.g. a pooled connection the server has cut
            log.warning("projector: cannot take the lead now: %s", error)
            connection.invalidate()
            connection.close()
            return False
        if taken:
            self._held = connection
        else:
            connection.close()
        return bool(taken)

    def still_held(self) -> bool:
        if self._held is None:
            return False
        query = text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
            "AND pid = pg_backend_pid() AND granted AND objid::bigint = :low"
        )
        try:
            # The key is a 32-bit crc: pg_locks shows it as objid (classid is 0).
            held = self._held.scalar(query, {"low": self._key})
            self._held.commit()
        except DBAPIError:  # the connection died, and the lock with it
            self._forget()
            return False
        if not held:
            self._forget()
        return bool(held)

    def release(self) -> None:
        if self._held is None:
            return
        try:
            self._held.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            self._held.commit()
        except DBAPIError:
            pass  # the connection is gone: so is the lock
        self._forget()

    def _forget(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            try:
                held.invalidate()  # never back to the pool: its session may hold the lock
            finally:
                held.close()


class FileLock:
    """An exclusive flock on `path`, for projectors on one machine (SQLite)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def still_held(self) -> bool:
        return self._fd is not None  # the kernel keeps it until we let go or die

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def lead_then_follow(
    leadership: Leadership,
    stopping: threading.Event,
    follow: Callable[[threading.Event], None],
    check_seconds: float,
    announce: Callable[[bool], None] = lambda _active: None,
) -> None:
    """Until `stopping` is set: stand by until the lead is free, then `follow` (the
    projector's loop) until the lead is lost or `stopping` is set; and again."""
    standing_by_said = False
    while not stopping.is_set():
        if not leadership.try_acquire():
            if not standing_by_said:
                announce(False)
                standing_by_said = True
            stopping.wait(check_seconds)
            continue
        standing_by_said = False
        announce(True)
        lead_over = threading.Event()
        watcher = threading.Thread(
            target=_watch_lead,
            args=(leadership, stopping, lead_over, check_seconds),
            name="projector-lead",
            daemon=True,
        )
        watcher.start()
        try:
            follow(lead_over)
        finally:
            lead_over.set()
            watcher.join()
            leadership.release()
        if not stopping.is_set():
            log.warning("projector: lost the lead; standing by")


def _watch_lead(
    leadership: Leadership,
    stopping: threading.Event,
    lead_over: threading.Event,
    check_seconds: float,
) -> None:
    """Set `lead_over` (which stops the projector's loop) once told to stop or the lead is lost."""
    while not lead_over.is_set():
        if stopping.is_set() or not leadership.still_held():
            lead_over.set()
            return
        lead_over.wait(check_seconds)
