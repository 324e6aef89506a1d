"""The projector: follows the notification log and keeps the read models up to date.

One batch of notifications becomes one transaction that writes the batch's rows and moves
the tracking position to the batch's last notification id. Nothing is processed twice and
nothing is skipped: after a crash or a restart, the projector resumes from the committed
position. Having found nothing new, it waits (`projections.wakeup`): on PostgreSQL for the
notification that events were committed, on SQLite (no notifications) for the poll interval.

An event it cannot project is not skipped silently: the projector finds exactly which one it
is, records that it is stuck there (`status`), says so in the log, and tries again every
`stuck_retry` seconds, so that a recorded skip (`skips`) or a repair takes effect without a
restart.

Where several projectors run, one leads (`projections.leadership`); each batch's transaction
checks that this one still leads (`fence`) before it commits. One that no longer does rolls
the batch back and stops following (`LeadLost`).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import Notification
from eventsourcing.persistence import OperationalError as StoreOperationalError
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from projections.leadership import LeadLost
from projections.projection import Batch, DomainEvent, ReadModelProjection
from projections.skips import SkipList, Skipped
from projections.source import ReadPage, notification_reader
from projections.states import loader_from
from projections.status import Stuck, read_progress, record_stuck, record_unstuck
from projections.store import ReadModels
from projections.stored import StoredEvents
from projections.tracking import PositionMoved, advance_position
from projections.wakeup import Sleep, Wakeup
from projections.writes import Changes

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 1000
DEFAULT_STATE_CACHE_SIZE = 50_000
RETRY_SECONDS = 1.0
STUCK_RETRY_SECONDS = 10.0  # slow: each attempt replays states from the store
_ID = re.compile(r"[0-9a-fA-F]{8}-?(?:[0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}")  # a UUID

EventFilter = Callable[[DomainEvent], bool]
Fence = Callable[[Connection], None]  # raises LeadLost inside a batch's transaction


class SessionEnded(RuntimeError):
    """The server ended the batch's session under it, whatever it called the error (e.g.
    PostgreSQL's idle-in-transaction timeout, an InternalError): worth a retry."""


# Raised when a database restarts, a connection drops or SQLite stays locked: worth a retry.
TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    StoreOperationalError,
    StoreInterfaceError,
    SessionEnded,
)


class Projector:
    def __init__(
        self,
        app: Application[UUID],
        read_models: ReadModels,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        state_cache_size: int = DEFAULT_STATE_CACHE_SIZE,
        accept: EventFilter | None = None,
        fence: Fence | None = None,
    ) -> None:
        self._read_models = read_models
        self._fence = fence
        self._read_page: ReadPage = notification_reader(app)
        self._events = StoredEvents(app)
        self._skip_list = SkipList.of(app, read_models.projection)
        self._skipped: Skipped = self._skip_list.load()
        self._projection = ReadModelProjection(
            read_models.tables,
            loader_from(self._events, self._current_skips),
            self._current_skips,
            state_cache_size,
        )
        self._batch_size = batch_size
        self._accept = accept
        self._position: int | None = None
        self._failed_batch_ends_at: int | None = None
        self.stuck: Stuck | None = None
        self._traceback_logged_for: int | None = None  # once per position and process

    @property
    def position(self) -> int:
        """The committed position (read from the tracking row on first use)."""
        if self._position is None:
            self._read_models.start_tracking()
            self._position = self._read_models.position()
        return self._position

    def process_next_batch(self, stop: int | None = None) -> int:
        """Project the next batch of notifications (none beyond `stop`); return how many."""
        while notifications := self._read_page(self.position, self._batch_size, stop):
            try:
                committed = self._commit(notifications)
            except LeadLost:
                raise
            except Exception:
                if not self._new_skips_recorded():
                    raise
                continue  # an operator skipped an event since: try again without it
            if committed:
                return len(notifications)
            # Another projector committed first: carry on from where it got to.
        return 0

    def catch_up(self, stop: int | None = None) -> int:
        """Project until the log (or `stop`) is reached; return how many were processed."""
        processed = 0
        while count := self.process_next_batch(stop):
            processed += count
        return processed

    def run_until(
        self,
        stopping: threading.Event,
        poll_interval: float,
        retry_after: float = RETRY_SECONDS,
        stuck_retry: float = STUCK_RETRY_SECONDS,
        *,
        wakeup: Wakeup | None = None,
    ) -> None:
        """Follow the log until `stopping` is set; having found nothing new, wait for
        `wakeup` (a notification, on PostgreSQL), looking again after `poll_interval` s at
        the latest; without one, poll every `poll_interval` s.

        Stuck at an event it cannot project, it records where and why, and tries again every
        `stuck_retry` s (a failed batch reads the recorded skips afresh). Returns at once,
        having written nothing more, when a batch finds that this projector no longer leads.
        """
        # Stuck before a restart? Then the first batch that goes through clears the status.
        self.stuck = read_progress(self._read_models).stuck
        idle_wait = wakeup or Sleep()
        while not stopping.is_set():
            try:
                idle = self.process_next_batch() == 0
                if self.stuck is not None:
                    self._unstuck()
            except LeadLost as lost:
                log.warning("projector: no longer leads (%s); its batch was rolled back", lost)
                return
            except TRANSIENT_ERRORS as error:  # the database went away or stayed locked
                log.warning("projector: %s; retrying in %s s", error, retry_after)
                stopping.wait(retry_after)
                continue
            except Exception:
                # Not skipped: read models that silently miss an event would mislead everyone
                # who reads them. Find which event it is, say so, and try again later.
                try:
                    self._find_the_unprojectable()
                except LeadLost as lost:
                    log.warning("projector: no longer leads (%s); its batch was rolled back", lost)
                    return
                except TRANSIENT_ERRORS as error:
                    log.warning("projector: %s; retrying in %s s", error, retry_after)
                    stopping.wait(retry_after)
                    continue
                stopping.wait(stuck_retry if self.stuck is not None else retry_after)
                continue
            if idle:
                idle_wait.wait(stopping, poll_interval)

    def _find_the_unprojectable(self) -> None:
        """After a failed batch, project its events one at a time up to the one that fails,
        and record that the projector is stuck there."""
        end, self._failed_batch_ends_at = self._failed_batch_ends_at, None
        while end is not None and (notifications := self._read_page(self.position, 1, end)):
            try:
                self._commit(notifications)
            except (LeadLost, *TRANSIENT_ERRORS):
                raise
            except Exception as error:
                self._report_stuck(notifications[0], error)
                return
        log.warning("projector: a batch failed, but each of its events went through alone")

    def _report_stuck(self, notification: Notification, error: Exception) -> None:
        event_type = notification.topic.rpartition(":")[2]
        # The status is shown to anyone who asks the API's readiness: the first line of the
        # error only (what follows may quote SQL parameters, personal data) and no ids (a
        # trainer's id derives from their e-mail address). The log says everything.
        first_line = (str(error).strip().splitlines() or [""])[0]
        said = _ID.sub("…", f"{event_type} v{notification.originator_version}: {first_line}")
        reason = f"{type(error).__name__}: {said}"
        first = self._traceback_logged_for != notification.id
        self._traceback_logged_for = notification.id
        try:
            self.stuck = record_stuck(self._read_models, notification.id, reason, datetime.now(UTC))
        except Exception:  # the status cannot be written either: the log must say it all
            log.exception("projector: cannot record its status")
        if first:
            log.error(
                "projector: STUCK at notification %s (%s of %s); the read models stay at %s "
                "until it is fixed or skipped (score projector skip %s --reason …)",
                notification.id,
                event_type,
                notification.originator_id,
                self.position,
                notification.id,
                exc_info=error,
            )
        else:
            log.error("projector: still stuck at notification %s: %s", notification.id, reason)

    def _unstuck(self) -> None:
        assert self.stuck is not None
        log.warning(
            "projector: no longer stuck at notification %s; now at %s",
            self.stuck.position,
            self.position,
        )
        record_unstuck(self._read_models)
        self.stuck = None

    def _commit(self, notifications: list[Notification]) -> bool:
        """Write the batch's rows and position in one transaction; False if beaten to it."""
        tables, name = self._read_models.tables, self._read_models.projection
        try:
            changes = self._changes_for(notifications)
            with self._read_models.engine.begin() as conn:
                changes.flush(conn)
                advance_position(conn, tables, name, self.position, notifications[-1].id)
                if self._fence is not None:
                    self._fence(conn)  # after the writes: on SQLite, under the write lock
        except LeadLost:
            self._restart_from_committed()
            raise
        except PositionMoved:
            self._restart_from_committed()
            log.warning("projector: the position moved under us; resuming from the tracking row")
            return False
        except BaseException as error:
            self._restart_from_committed()  # the states in memory ran ahead of the rows
            self._failed_batch_ends_at = notifications[-1].id
            ended = isinstance(error, DBAPIError) and error.connection_invalidated
            if ended and not isinstance(error, TRANSIENT_ERRORS):
                raise SessionEnded(str(error).strip().splitlines()[0]) from error
            raise
        self._position = notifications[-1].id
        return True

    def _changes_for(self, notifications: list[Notification]) -> Changes:
        batch = Batch()
        # A recorded skip is never even decoded.
        kept = [n for n in notifications if not self._skipped.position(n.id)]
        self._events.read_ahead(kept)
        for notification in kept:
            event = self._events.decode(notification)
            if self._accept is None or self._accept(event):
                self._projection.apply(event, batch)
        return self._projection.finish(batch)

    def _new_skips_recorded(self) -> bool:
        """Read the recorded skips afresh (after a failure): are there new ones?"""
        known = self._skipped
        self._skipped = self._skip_list.load()
        return self._skipped.skips != known.skips

    def _current_skips(self) -> Skipped:
        return self._skipped

    def resume_from_committed(self) -> None:
        """Forget what is in memory and carry on from the tracking row (a projector taking
        the lead again, after another one has moved the read models on)."""
        self._restart_from_committed()

    def _restart_from_committed(self) -> None:
        self._projection.forget()
        self._position = None
