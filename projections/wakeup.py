"""How the live projector waits, once it has found nothing new in the log, before it looks again.

* On PostgreSQL it waits for a notification (`NotificationListener`). A trigger on the events
  table (migration 0015) sends `NOTIFY` on the channel `<schema>.<events table>` in the very
  transaction that stores events, so it is delivered when they commit, not before: the
  projector looks as soon as there is something to see, and never looks in vain while the
  store is quiet. Notifications that arrive while it projects are taken together: one look
  reads everything stored meanwhile, a batch. It still looks every `timeout` seconds when
  nothing arrives (`SCORE_PROJECTOR_SAFETY_POLL_SECONDS`), a safety net for a notification
  lost. The session it listens on is its own (`LISTEN_APPLICATION`), opened when the
  projector first waits as the leader and closed when it stops leading; when that session is
  lost (a restart, a failover, `pg_terminate_backend`), the next wait listens on a new one and
  returns at once, so the projector catches up on what it may have missed before it waits.
* On SQLite, which has no notifications, it sleeps (`Sleep`): the projector polls.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Protocol

import psycopg
from psycopg import sql
from sqlalchemy import create_engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool, PoolProxiedConnection

from projections.leadership import listen_session_timeouts

log = logging.getLogger(__name__)

SLICE_SECONDS = 0.2  # how soon a wait notices `stopping` (the lead's own check is slower)
RETRY_SECONDS = 1.0  # between tries to listen while the database cannot be reached
TRIGGER_SUFFIX = "_notify"  # the trigger's name: the events table's, and this

# The channel the trigger notifies on: `<schema>.<table>` of the table `:table` names as the
# recorder sees it (the session's search_path), cut to an identifier's 63 bytes as the
# trigger cuts it; and whether the trigger is there.
_CHANNEL = """
SELECT left(n.nspname || '.' || c.relname, 63) AS channel,
       EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = %(trigger)s)
           AS notifies
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = to_regclass(%(table)s)
"""


class Wakeup(Protocol):
    def wait(self, stopping: threading.Event, timeout: float) -> None:
        """Return when events may have been stored since the projector last looked (a
        notification; a session listened on afresh), after `timeout` seconds, or soon after
        `stopping` is set."""
        ...

    def close(self) -> None: ...


class Sleep:
    """Polling: wait `timeout` seconds, or until `stopping` is set."""

    def wait(self, stopping: threading.Event, timeout: float) -> None:
        stopping.wait(timeout)

    def close(self) -> None:
        pass


class NotificationListener:
    """Waits on a session of its own for the notification that events were stored in
    `events_table` (PostgreSQL at `url`); the session gives up on a dead peer within about
    `timeout_seconds` (`listen_session_timeouts`)."""

    def __init__(
        self,
        url: str,
        events_table: str,
        timeout_seconds: float,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        self._engine = create_engine(
            url, poolclass=NullPool, connect_args=listen_session_timeouts(timeout_seconds)
        )
        self._table = events_table
        self._retry = retry_seconds
        self._session: PoolProxiedConnection | None = None
        self._connection: psycopg.Connection[Any] | None = None
        self.channel: str | None = None  # once listening
        self._said_no_trigger = False

    @property
    def listening(self) -> bool:
        """Whether a session of its own listens now (else the next wait opens one)."""
        return self._connection is not None

    def wait(self, stopping: threading.Event, timeout: float) -> None:
        connection = self._connection
        if connection is None:
            if not self._listen():
                stopping.wait(min(timeout, self._retry))
            # Listening afresh: what was stored before is not notified, so look first.
            return
        deadline = time.monotonic() + timeout
        try:
            while not stopping.is_set() and (left := deadline - time.monotonic()) > 0:
                if _notified(connection, min(left, SLICE_SECONDS)):
                    _drain(connection)  # the ones that came with it: one look for them all
                    return
        except psycopg.Error as error:  # the session was ended, or its peer went away
            log.warning(
                "projector: lost the session it waits for notifications on (%s); "
                "listening on a new one",
                _first_line(error),
            )
            self._drop()

    def close(self) -> None:
        self._drop()
        self._engine.dispose()

    def _listen(self) -> bool:
        """Open a session and LISTEN on the events table's channel; False if not now."""
        try:
            session = self._engine.raw_connection()
        except (SQLAlchemyError, psycopg.Error) as error:  # the driver's own, on a connect
            log.warning("projector: cannot listen for notifications now: %s", _first_line(error))
            return False
        connection = session.driver_connection
        if not isinstance(connection, psycopg.Connection):
            session.invalidate()
            raise TypeError(f"Notifications need psycopg 3, not {type(connection).__name__}.")
        try:
            connection.autocommit = True  # LISTEN takes effect at once, no transaction is held
            row = connection.execute(
                _CHANNEL, {"table": self._table, "trigger": f"{self._table}{TRIGGER_SUFFIX}"}
            ).fetchone()
            if row is None:
                raise psycopg.errors.UndefinedTable(f"no table {self._table}")
            channel, notifies = row
            connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        except psycopg.Error as error:
            log.warning("projector: cannot listen for notifications now: %s", _first_line(error))
            session.invalidate()
            return False
        if not notifies and not self._said_no_trigger:
            self._said_no_trigger = True
            log.warning(
                "projector: %s sends no notifications (no trigger %s%s: run `score migrate`); "
                "the projector looks only at its safety interval",
                self._table,
                self._table,
                TRIGGER_SUFFIX,
            )
        self._session, self._connection, self.channel = session, connection, channel
        return True

    def _drop(self) -> None:
        session, self._session, self._connection = self._session, None, None
        if session is not None:
            session.invalidate()  # closed as it is, never reset or reused: the session ends


def _notified(connection: psycopg.Connection[Any], timeout: float) -> bool:
    """Whether a notification arrives within `timeout` seconds."""
    notifications = connection.notifies(timeout=timeout, stop_after=1)
    try:
        return next(notifications, None) is not None
    finally:
        notifications.close()  # lets go of the connection's lock


def _drain(connection: psycopg.Connection[Any]) -> None:
    """Take every notification already received, without waiting."""
    for _ in connection.notifies(timeout=0):
        pass


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
