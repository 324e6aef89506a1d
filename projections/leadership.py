"""Which projector is active when several run: one leads, the others stand by and take over.

Two projectors writing at once would still be correct (each batch moves the tracking row
from the position it read, or is thrown away: `projections.tracking.PositionMoved`), but
they would do every batch twice and throw half away. So one leads:

* on PostgreSQL, the one holding a session-level advisory lock (`AdvisoryLock`). The server
  releases it when the holder's connection ends, a killed process's included, so a standby
  polling `pg_try_advisory_lock` takes over within `check_seconds`. A leader whose connection
  was cut (a failover, `pg_terminate_backend`) has lost the lock with it: it notices at its
  next check and stands by. A connection can also die halfway: the leader frozen, or its
  machine gone without a word. The lock's session then carries TCP keepalives on both ends,
  a user timeout and a statement timeout, all of `timeout_seconds`, so neither end waits on
  it for ever. And the leader's check is a heartbeat: a standby that finds the holder's
  session (a projector's: `LEAD_APPLICATION`) quiet for longer than `timeout_seconds` ends
  it (`pg_terminate_backend`, in the statement that finds it) and takes over;
* on SQLite, the one holding an exclusive `flock` on a file beside the data (`FileLock`); the
  kernel releases it when the process dies. Processes on one machine only, as SQLite is.

The key (and the lock file's name) is derived from the read models' table prefix and
projection name: deployments sharing a database under different prefixes do not wait on
each other.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import zlib
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)


class Leadership(Protocol):
    def try_acquire(self) -> bool:
        """Take the lead if nobody holds it; True if this process holds it now."""
        ...

    def still_held(self) -> bool:
        """Whether the lead taken is still this process's."""
        ...

    def release(self) -> None: ...

    def close(self) -> None:
        """Release the lead, and what was opened to hold it."""
        ...


def lock_name(prefix: str, projection: str) -> str:
    """What the lead is over: the read models under `prefix`, kept by `projection`."""
    return f"{prefix}{projection}"


def lock_key(name: str) -> int:
    """A stable advisory-lock key for `name` (`lock_name`: the prefix and projection)."""
    return zlib.crc32(f"score-projector:{name}".encode())


LEAD_APPLICATION = "score-projector-lead"  # the lock session's application_name


def session_timeouts(timeout_seconds: float) -> dict[str, str | int]:
    """libpq connection parameters for a session that gives up on a dead peer within about
    `timeout_seconds`: client keepalives and user timeout, the same asked of the server
    (so it ends a vanished leader's session, and its lock), and a statement timeout."""
    probe = max(1, int(timeout_seconds / 4))  # idle, then 3 probes apart: ~4 probes in all
    milliseconds = max(1000, int(timeout_seconds * 1000))
    server = {
        "tcp_keepalives_idle": probe,
        "tcp_keepalives_interval": probe,
        "tcp_keepalives_count": 3,
        "tcp_user_timeout": milliseconds,
        "statement_timeout": milliseconds,
    }
    return {
        "application_name": LEAD_APPLICATION,
        "connect_timeout": max(2, int(timeout_seconds)),
        "keepalives": 1,
        "keepalives_idle": probe,
        "keepalives_interval": probe,
        "keepalives_count": 3,
        "tcp_user_timeout": milliseconds,
        "options": " ".join(f"-c {name}={value}" for name, value in server.items()),
    }


# One statement finds the holder's session and ends it, so the pid cannot be another
# session's by then; only a projector's lock session (its application_name), quiet for longer
# than the timeout. A session out of sight (no pg_read_all_stats) has no state_change: kept.
_END_QUIET_HOLDER = text(
    "SELECT a.pid, pg_terminate_backend(a.pid) AS ended, "
    "extract(epoch FROM clock_timestamp() - a.state_change) AS quiet "
    "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objsubid = 1 "
    "AND l.objid::bigint = :key "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND a.pid <> pg_backend_pid() AND a.application_name = :application "
    "AND clock_timestamp() - a.state_change > make_interval(secs => :timeout)"
)


class AdvisoryLock:
    """PostgreSQL's session-level advisory lock, held on a connection of its own (no pool),
    whose session gives up on a dead peer within `timeout_seconds` (`session_timeouts`)."""

    def __init__(self, url: str, key: int, timeout_seconds: float) -> None:
        self._engine = create_engine(
            url, poolclass=NullPool, connect_args=session_timeouts(timeout_seconds)
        )
        self._key = key
        self._timeout = timeout_seconds
        self._held: Connection | None = None
        self._standby: Connection | None = None  # a standby's, kept from one try to the next

    def try_acquire(self) -> bool:
        if self._held is not None:
            return self.still_held()
        try:
            connection = self._standby or self._engine.connect()
        except SQLAlchemyError as error:  # the database is away: stand by, try again later
            log.warning("projector: cannot reach the database to take the lead: %s", error)
            return False
        self._standby = None
        try:
            taken = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key})
            connection.commit()  # the lock is the session's; no transaction is left open
            if not taken:
                self._end_a_quiet_holder(connection)
        except SQLAlchemyError as error:  # e.g. a connection the server has cut
            log.warning("projector: cannot take the lead now: %s", error)
            _close(connection)  # a new session at the next try
            return False
        if taken:
            self._held = connection
        else:
            self._standby = connection
        return bool(taken)

    def _end_a_quiet_holder(self, connection: Connection) -> None:
        """The holder's check is its heartbeat: a session quiet for longer than the timeout
        belongs to a leader frozen or cut off. End it; the lock is free at the next try."""
        ended = connection.execute(
            _END_QUIET_HOLDER,
            {"key": self._key, "application": LEAD_APPLICATION, "timeout": self._timeout},
        ).first()
        connection.commit()
        if ended is None:
            return  # healthy, gone already, not a projector's, or not ours to see
        log.warning(
            "projector: the active projector's lock session (pid %s) has been quiet for "
            "%.0f s; %s to take over",
            ended.pid,
            ended.quiet,
            "ended it" if ended.ended else "it ended meanwhile",
        )

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
        except SQLAlchemyError:  # the connection died, or was ended, and the lock with it
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
        except SQLAlchemyError:
            pass  # the connection is gone: so is the lock
        self._forget()

    def close(self) -> None:
        self.release()
        if self._standby is not None:
            _close(self._standby)
            self._standby = None
        self._engine.dispose()

    def _forget(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            _close(held)  # its session may hold the lock: end it, never reuse it


def _close(connection: Connection) -> None:
    """Close a connection of the lock's (no pool: its session ends), whatever state it is in."""
    with suppress(SQLAlchemyError):
        connection.close()


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

    def close(self) -> None:
        self.release()


def lead_then_follow(
    leadership: Leadership,
    stopping: threading.Event,
    follow: Callable[[threading.Event], None],
    check_seconds: float,
    announce: Callable[[bool], None] = lambda _active: None,
) -> None:
    """Until `stopping` is set: stand by until the lead is free, then `follow` (the
    projector's loop) until the lead is lost or `stopping` is set; and again.

    Whatever `announce` or `follow` raise, the lead is released first, then the error goes on.
    """
    standing_by_said = False
    while not stopping.is_set():
        if not leadership.try_acquire():
            if not standing_by_said:
                announce(False)
                standing_by_said = True
            stopping.wait(check_seconds)
            continue
        standing_by_said = False
        lead_over = threading.Event()
        watcher = threading.Thread(
            target=_watch_lead,
            args=(leadership, stopping, lead_over, check_seconds),
            name="projector-lead",
            daemon=True,
        )
        watcher.start()
        try:
            announce(True)
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
    """Set `lead_over` (which stops the projector's loop) once told to stop or the lead is lost.

    Its checks are the leader's heartbeat; one that fails in any way counts as the lead lost
    (a leader that cannot tell whether it leads stands down), never as a dead watcher."""
    while not lead_over.is_set():
        try:
            held = not stopping.is_set() and leadership.still_held()
        except Exception:
            log.exception("projector: cannot tell whether this projector still leads")
            held = False
        if not held:
            lead_over.set()
            return
        lead_over.wait(check_seconds)
