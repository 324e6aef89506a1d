"""The projector: follows the notification log and keeps the read models up to date.

One batch of notifications becomes one transaction that writes the batch's rows and moves
the tracking position to the batch's last notification id. Nothing is processed twice and
nothing is skipped: after a crash or a restart, the projector resumes from the committed
position. It polls, which works alike on SQLite (where eventsourcing has no subscriptions)
and on PostgreSQL.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import Notification
from eventsourcing.persistence import OperationalError as StoreOperationalError
from sqlalchemy.exc import InterfaceError, OperationalError

from projections.projection import Batch, DomainEvent, ReadModelProjection
from projections.source import ReadPage, notification_reader
from projections.states import loader_from
from projections.store import ReadModels
from projections.tracking import PositionMoved, advance_position
from projections.writes import Changes

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 1000
DEFAULT_STATE_CACHE_SIZE = 50_000
RETRY_SECONDS = 1.0

EventFilter = Callable[[DomainEvent], bool]

# Raised when a database restarts, a connection drops or SQLite stays locked: worth a retry.
TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    StoreOperationalError,
    StoreInterfaceError,
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
    ) -> None:
        self._app = app
        self._read_models = read_models
        self._read_page: ReadPage = notification_reader(app)
        self._projection = ReadModelProjection(
            read_models.tables, loader_from(app), state_cache_size
        )
        self._batch_size = batch_size
        self._accept = accept
        self._position: int | None = None

    @property
    def position(self) -> int:
        """The committed position (read from the tracking row on first use)."""
        if self._position is None:
            self._position = self._read_models.position()
        return self._position

    def process_next_batch(self, stop: int | None = None) -> int:
        """Project the next batch of notifications (none beyond `stop`); return how many."""
        while notifications := self._read_page(self.position, self._batch_size, stop):
            if self._commit(notifications):
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
        self, stopping: threading.Event, poll_interval: float, retry_after: float = RETRY_SECONDS
    ) -> None:
        """Follow the log until `stopping` is set, polling every `poll_interval` s when idle."""
        while not stopping.is_set():
            try:
                idle = self.process_next_batch() == 0
            except TRANSIENT_ERRORS as error:  # the database went away or stayed locked
                log.warning("projector: %s; retrying in %s s", error, retry_after)
                stopping.wait(retry_after)
                continue
            except Exception:
                # Not skipped: read models that silently miss an event would mislead everyone
                # who reads them. Stop, and say where, so that it can be fixed and resumed.
                log.exception(
                    "projector: stopped; the batch after notification %s cannot be projected",
                    self.position,
                )
                raise
            if idle:
                stopping.wait(poll_interval)

    def _commit(self, notifications: list[Notification]) -> bool:
        """Write the batch's rows and position in one transaction; False if beaten to it."""
        tables, name = self._read_models.tables, self._read_models.projection
        try:
            changes = self._changes_for(notifications)
            with self._read_models.engine.begin() as conn:
                changes.flush(conn)
                advance_position(conn, tables, name, self.position, notifications[-1].id)
        except PositionMoved:
            self._restart_from_committed()
            log.warning("projector: the position moved under us; resuming from the tracking row")
            return False
        except BaseException:
            self._restart_from_committed()  # the states in memory ran ahead of the rows
            raise
        self._position = notifications[-1].id
        return True

    def _changes_for(self, notifications: list[Notification]) -> Changes:
        batch = Batch()
        for notification in notifications:
            event = self._app.mapper.to_domain_event(notification)
            if not isinstance(event, DomainEvent):
                raise TypeError(f"Notification {notification.id} is not a recorded domain event.")
            if self._accept is None or self._accept(event):
                self._projection.apply(event, batch)
        return self._projection.finish(batch)

    def _restart_from_committed(self) -> None:
        self._projection.forget()
        self._position = None
