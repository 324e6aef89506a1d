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
* on SQLite, the one holding the lease (`SqliteLease`): a row of the read models'
  `projector_lease` table naming the leader, its epoch and when the lease runs out. The
  leader's check renews it; a standby takes over a lease that has run out (a leader frozen),
  with the next epoch. Every projector also holds, while its process lives, an exclusive
  `flock` on a file of its own beside the data, named after it (`AliveLock`): the kernel
  lets go of it when the process dies, however it dies. A standby that can lock the file of
  the holder a running lease names knows that holder is gone and takes over at its next
  check, not once the lease runs out. Processes on one machine only, as SQLite is (their
  clocks are the machine's).

Each batch of the projector checks, inside its own transaction, that this projector still
leads (`fence`): on SQLite by a conditional write to the lease row at the epoch it took,
which takes SQLite's write lock (one writer at a time) and keeps it to the commit, so no
take-over comes between the check and the commit: a leader that wakes after a standby took
over writes nothing, rolls its batch back and stands by (`LeadLost`). On PostgreSQL, that
the lock session still holds the lock; a take-over between that check and the commit still
cannot apply a batch twice: the batch has moved the tracking row, which holds the new leader
back until it commits, and the new leader then finds the row moved. A leader frozen with its
batch open holds the row for a bounded time: the server ends a projector's session left idle
in a transaction for `timeout_seconds` (`batch_session_timeouts`), about when a standby ends
the frozen leader's lock session; the new leader's first batch waits for that at most.

The lead (the advisory lock's key, the lease row's projection) is derived from the read
models' table prefix and projection name: deployments sharing a database under different
prefixes do not wait on each other.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import socket
import threading
import time
import uuid
import zlib
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, Table, Update, create_engine, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)


class LeadLost(RuntimeError):
    """This projector no longer leads: its batch is rolled back, it stands by."""


class Leadership(Protocol):
    def try_acquire(self) -> bool:
        """Take the lead if nobody holds it; True if this process holds it now."""
        ...

    def still_held(self) -> bool:
        """Whether the lead taken is still this process's."""
        ...

    def fence(self, conn: Connection) -> None:
        """Inside a batch's transaction, before its commit: LeadLost unless this process
        still leads."""
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
BATCH_APPLICATION = "score-projector-batch"  # the projector's read-model sessions'
LISTEN_APPLICATION = "score-projector-listen"  # the leader's session waiting for notifications


def session_timeouts(timeout_seconds: float) -> dict[str, str | int]:
    """libpq connection parameters for a session that gives up on a dead peer within about
    `timeout_seconds`: client keepalives and user timeout, the same asked of the server
    (so it ends a vanished leader's session, and its lock), and a statement timeout."""
    milliseconds = max(1000, int(timeout_seconds * 1000))
    return _on_a_dead_peer(timeout_seconds, LEAD_APPLICATION, {"statement_timeout": milliseconds})


def batch_session_timeouts(timeout_seconds: float) -> dict[str, str | int]:
    """libpq connection parameters for the projector's read-model sessions, its batches':
    besides giving up on a dead peer as the lock session does, the server ends a session
    left idle in a transaction for `timeout_seconds`. A leader frozen mid-batch (SIGSTOP, a
    paused machine) leaves its batch open, holding the tracking row that the next leader's
    first batch must move: without this, that batch would wait on it until TCP gave up.

    A healthy batch never comes near it: its rows are built before its transaction begins,
    which then sends its statements back to back (idle in it for milliseconds). Ended all
    the same, a batch would roll back and be tried again, as after a lost connection."""
    milliseconds = max(1000, int(timeout_seconds * 1000))
    return _on_a_dead_peer(
        timeout_seconds, BATCH_APPLICATION, {"idle_in_transaction_session_timeout": milliseconds}
    )


def listen_session_timeouts(timeout_seconds: float) -> dict[str, str | int]:
    """libpq connection parameters for the leader's session that waits for notifications
    (`projections.wakeup`): it gives up on a dead peer as the lock session does, so a
    connection cut without a word is noticed, and listened on afresh, within about
    `timeout_seconds`; it runs no statement worth a timeout."""
    return _on_a_dead_peer(timeout_seconds, LISTEN_APPLICATION, {})


def _on_a_dead_peer(
    timeout_seconds: float, application: str, server_settings: dict[str, int]
) -> dict[str, str | int]:
    probe = max(1, int(timeout_seconds / 4))  # idle, then 3 probes apart: ~4 probes in all
    milliseconds = max(1000, int(timeout_seconds * 1000))
    server = {
        "tcp_keepalives_idle": probe,
        "tcp_keepalives_interval": probe,
        "tcp_keepalives_count": 3,
        "tcp_user_timeout": milliseconds,
        **server_settings,
    }
    return {
        "application_name": application,
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
        self._held_by: int | None = None  # the lock session's backend pid, for `fence`
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
            pid = connection.scalar(text("SELECT pg_backend_pid()"))
            connection.commit()  # the lock is the session's; no transaction is left open
            if not taken:
                self._end_a_quiet_holder(connection)
        except SQLAlchemyError as error:  # e.g. a connection the server has cut
            log.warning("projector: cannot take the lead now: %s", error)
            _close(connection)  # a new session at the next try
            return False
        if taken:
            self._held, self._held_by = connection, pid
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

    def fence(self, conn: Connection) -> None:
        held = self._held_by is not None and conn.scalar(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid = 0 AND objsubid = 1 AND objid::bigint = :key AND pid = :pid "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            {"key": self._key, "pid": self._held_by},
        )
        if not held:
            raise LeadLost("the projector's lock session no longer holds the lead")

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
        held, self._held, self._held_by = self._held, None, None
        if held is not None:
            _close(held)  # its session may hold the lock: end it, never reuse it


def _close(connection: Connection) -> None:
    """Close a connection of the lock's (no pool: its session ends), whatever state it is in."""
    with suppress(SQLAlchemyError):
        connection.close()


class SqliteLease:
    """The lead as a lease row (the read models' `projector_lease`), for projectors on one
    machine (SQLite). A lease not renewed for `timeout_seconds` is free to take.

    Every change is one conditional UPDATE (SQLite runs one writer at a time): taking the
    lease moves it from the epoch and end read to the next epoch, renewing and releasing it
    apply only at this holder's epoch. `fence` is such a write too, at this holder's epoch,
    inside the batch's transaction: it takes SQLite's write lock, which the transaction keeps
    to its commit, so no take-over can come between the check and the commit. Clocks decide
    only when a standby may take over (a lease ending further ahead than a renewal made now
    would, the clock set back, counts as run out); what may be written is decided by the
    epoch alone.
    """

    def __init__(
        self,
        engine: Engine,
        table: Table,
        projection: str,
        timeout_seconds: float,
        clock: Callable[[], float] = time.time,
        alive_stem: Path | None = None,
    ) -> None:
        self._engine = engine
        self._table = table
        self._projection = projection
        self._timeout = timeout_seconds
        self._clock = clock
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.epoch: int | None = None  # while this process holds the lease
        self._renewed_until = 0.0
        self._alive = AliveLock(alive_stem, self.holder) if alive_stem is not None else None

    def try_acquire(self) -> bool:
        if self.epoch is not None:
            return self.still_held()
        # Before taking the lease: a leader's file is always locked. A file that cannot be
        # made or locked (a read-only folder, a filesystem without flock) leaves only the
        # lease's end to tell a dead leader by.
        if self._alive is not None and not self._alive.hold():
            self._alive = None
        lease = self._table
        read = select(lease.c.holder, lease.c.epoch, lease.c.expires_at).where(
            lease.c.projection == self._projection
        )
        try:
            with self._engine.begin() as conn:
                seen = conn.execute(read).first()
                if seen is None:  # the first projector ever: the row, at epoch 0, free
                    start = {"projection": self._projection, "holder": "", "epoch": 0}
                    conn.execute(
                        sqlite.insert(lease)
                        .values(expires_at=0.0, **start)
                        .on_conflict_do_nothing()
                    )
                    seen = conn.execute(read).one()
                now = self._clock()
                until = now + self._timeout
                # Run out: past its end, or ending beyond any renewal from now (the clock
                # was set back since: waiting for it would hold a dead leader's lease).
                running = now < seen.expires_at <= until
                gone = running and self._gone(seen.holder)
                if running and not gone:
                    return False  # another projector holds it
                taken = conn.execute(
                    update(lease)
                    .where(
                        lease.c.projection == self._projection,
                        lease.c.epoch == seen.epoch,  # nobody took it since it was read
                        lease.c.expires_at == seen.expires_at,  # nor renewed it meanwhile
                    )
                    .values(holder=self.holder, epoch=seen.epoch + 1, expires_at=until)
                )
                if taken.rowcount != 1:
                    return False  # another standby took it first
        except SQLAlchemyError as error:  # e.g. the database stayed locked: try again later
            log.warning("projector: cannot take the lead now: %s", error)
            return False
        self.epoch, self._renewed_until = seen.epoch + 1, until
        if gone and self._alive is not None:
            self._alive.forget(seen.holder)  # only now: kept while the take-over might fail
            log.warning(
                "projector: the active projector (%s) has ended; took over (epoch %s)",
                seen.holder,
                self.epoch,
            )
        elif seen.holder and seen.expires_at > 0:  # run out, not released
            log.warning(
                "projector: the active projector (%s) has been quiet for more than %g s: "
                "its lease ran out; took over (epoch %s)",
                seen.holder,
                self._timeout,
                self.epoch,
            )
        return True

    def still_held(self) -> bool:
        """Renew the lease: held while nobody has taken it since (even if it ran out)."""
        if self.epoch is None:
            return False
        until = self._clock() + self._timeout
        try:
            with self._engine.begin() as conn:
                renewed = conn.execute(self._mine().values(expires_at=until)).rowcount == 1
        except SQLAlchemyError as error:  # locked for the busy timeout: not known to be lost
            log.warning("projector: cannot renew the lead's lease now: %s", error)
            return self._clock() < self._renewed_until
        if not renewed:
            log.warning("projector: another projector took the lease (epoch > %s)", self.epoch)
            self.epoch = None
            return False
        self._renewed_until = until
        return True

    def fence(self, conn: Connection) -> None:
        # A write, not a read: it takes SQLite's write lock itself (whatever the batch wrote
        # before it), which the transaction keeps to its commit.
        lease = self._table
        kept = conn.execute(self._mine().values(epoch=lease.c.epoch))
        if self.epoch is None or kept.rowcount != 1:
            epoch = conn.scalar(select(lease.c.epoch).where(lease.c.projection == self._projection))
            raise LeadLost(f"the lease is another projector's now (epoch {epoch})")

    def release(self) -> None:
        if self.epoch is None:
            return
        with suppress(SQLAlchemyError), self._engine.begin() as conn:
            conn.execute(self._mine().values(expires_at=0.0))  # free now, for a standby
        self.epoch = None

    def close(self) -> None:
        self.release()
        if self._alive is not None:
            self._alive.release()

    def _gone(self, holder: str) -> bool:
        """Whether the projector named `holder` has died (its file is not locked)."""
        alive = self._alive
        return alive is not None and holder not in ("", self.holder) and alive.holder_gone(holder)

    def _mine(self) -> Update:
        lease = self._table
        return update(lease).where(
            lease.c.projection == self._projection,
            lease.c.holder == self.holder,
            lease.c.epoch == self.epoch,
        )


class AliveLock:
    """A projector's own file (`<stem>.<digest of its holder name>.alive`), locked with an
    exclusive `flock` while its process lives: the kernel lets go of the lock when the process
    dies, however it dies, so another projector can tell a dead holder from a frozen one.
    Every projector of one database must see the same files: they lie beside the database
    file, on its (local) filesystem."""

    def __init__(self, stem: Path, holder: str) -> None:
        self._stem = stem
        self._path = self.path_of(holder)
        self._fd: int | None = None

    def path_of(self, holder: str) -> Path:
        digest = hashlib.sha256(holder.encode()).hexdigest()[:16]
        return self._stem.with_name(f"{self._stem.name}.{digest}.alive")

    def hold(self) -> bool:
        """Lock this projector's own file; False (and a warning) if it cannot be."""
        if self._fd is not None:
            return True
        fd: int | None = None
        try:
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # its own: nobody else locks it
        except OSError as error:
            if fd is not None:
                os.close(fd)
            log.warning(
                "projector: cannot lock %s (%s): a standby will take over from this "
                "projector, dead, only once its lease runs out",
                self._path,
                error,
            )
            return False
        self._fd = fd
        return True

    def holder_gone(self, holder: str) -> bool:
        """The file of `holder` exists and nobody holds its lock. A holder without a file
        (none was ever made, or it was cleaned away), or a file that cannot be read, is not
        known to be gone."""
        try:
            fd = os.open(self.path_of(holder), os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # alive, or frozen: only the lease's end tells
        finally:
            os.close(fd)  # which lets go of a lock just taken
        return True

    def forget(self, holder: str) -> None:
        """A dead holder's file, once its lease is taken over: nobody will lock it again."""
        with suppress(OSError):
            self.path_of(holder).unlink()

    def release(self) -> None:
        if self._fd is not None:
            with suppress(OSError):
                self._path.unlink()
            os.close(self._fd)  # closing the file lets go of its lock
            self._fd = None


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
