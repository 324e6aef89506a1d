"""Builds the projector: the application's event store followed into the read models.

Several projectors may run (a standby beside the active one); one leads at a time
(`projections.leadership`): an advisory lock on PostgreSQL, a lease row with an epoch on
SQLite; each batch checks, before its commit, that its projector still leads. Each serves
its /metrics: the read models' position, the event store's head, the lag between them, and
whether this one is active.

Having found nothing new, the active projector waits (`projections.wakeup`): on PostgreSQL
for the notification that events were committed, on a session it opens while it leads (a
standby does not listen), looking again every `projector_safety_poll_seconds` all the same;
on SQLite it polls every `projector_poll_seconds`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from projections.leadership import (
    AdvisoryLock,
    Leadership,
    SqliteLease,
    lead_then_follow,
    lock_key,
    lock_name,
)
from projections.projector import Projector
from projections.store import ReadModels
from projections.wakeup import NotificationListener
from service.app.certification import Certification
from service.bootstrap.parts import build_certification, build_read_models
from service.bootstrap.telemetry import process_metrics
from service.settings import Settings
from service.storage.chain import chain_of
from service.telemetry.metrics import Reading, register_readings


@contextmanager
def projector(settings: Settings) -> Iterator[Projector]:
    """A projector over the configured stores, which are closed when the block ends."""
    certification = build_certification(settings)
    read_models = build_read_models(settings)
    try:
        yield Projector(certification, read_models, batch_size=settings.projector_batch_size)
    finally:
        read_models.engine.dispose()
        certification.close()


def leadership_for(settings: Settings, read_models: ReadModels) -> Leadership:
    """The lead over these read models (their prefix and projection), among projectors."""
    name = lock_name(read_models.tables.prefix, read_models.projection)
    if read_models.engine.dialect.name == "postgresql":
        return AdvisoryLock(
            settings.sqlalchemy_url, lock_key(name), settings.projector_leader_timeout_seconds
        )
    return SqliteLease(
        read_models.engine,
        read_models.tables.projector_lease,
        read_models.projection,
        settings.projector_leader_timeout_seconds,
        alive_stem=alive_stem(read_models.engine.url.database, name),
    )


def alive_stem(database: str | None, name: str) -> Path | None:
    """Where the projectors of a SQLite file keep their files of life: beside the database,
    which every projector of it sees (none for a database in memory)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database)
    return path.with_name(f"{path.name}.projector-{name}")


def listener_for(settings: Settings, certification: Certification) -> NotificationListener | None:
    """On PostgreSQL, a listener for the notification that events were stored (sent by the
    events table's trigger); None on SQLite, which has none: its projector polls."""
    on_postgres = make_url(settings.sqlalchemy_url).get_backend_name() == "postgresql"
    if not on_postgres or settings.event_store != "database":
        return None
    return NotificationListener(
        settings.sqlalchemy_url,
        chain_of(certification).events.name,
        settings.projector_leader_timeout_seconds,
    )


def run_projector(
    settings: Settings, stopping: threading.Event, say: Callable[[str], None]
) -> None:
    """Follow the event store while this projector leads, stand by while another does,
    until `stopping` is set; `say` tells the operator which it is doing."""
    certification = build_certification(settings)
    read_models = build_read_models(settings, projecting=True)
    leadership = leadership_for(settings, read_models)
    follower = Projector(
        certification,
        read_models,
        batch_size=settings.projector_batch_size,
        fence=leadership.fence,
    )
    active = threading.Event()

    def announce(leading: bool) -> None:
        if leading:
            active.set()
            follower.resume_from_committed()
            say(
                f"projector: active; {settings.read_model_prefix}* tables at position "
                f"{follower.position}; following the event store until stopped"
            )
        else:
            active.clear()
            say("projector: standby; another projector is active, taking over when it stops")

    def follow(lead_over: threading.Event) -> None:
        listener = listener_for(settings, certification)  # while this projector leads
        try:
            if listener is None:
                follower.run_until(lead_over, settings.projector_poll_seconds)
            else:
                follower.run_until(
                    lead_over, settings.projector_safety_poll_seconds, wakeup=listener
                )
        finally:
            active.clear()
            if listener is not None:
                listener.close()

    metrics = process_metrics(settings)
    unregister = register_readings(_readings(certification, read_models, follower, active))
    try:
        lead_then_follow(
            leadership,
            stopping,
            follow,
            settings.projector_leader_check_seconds,
            announce,
        )
    finally:
        leadership.close()
        say(f"projector: stopped; read models at position {read_models.position()}")
        unregister()
        if metrics is not None:
            metrics.close()
        read_models.engine.dispose()
        certification.close()


def _readings(
    certification: Certification,
    read_models: ReadModels,
    follower: Projector,
    active: threading.Event,
) -> list[Reading]:
    def head() -> float:
        return float(certification.recorder.max_notification_id() or 0)

    def position() -> float:
        return float(read_models.position())

    return [
        Reading(
            "score_projector_active",
            "1 if this projector leads, 0 on standby",
            lambda: float(active.is_set()),
        ),
        Reading("score_projector_position", "Last notification id in the read models", position),
        Reading("score_event_store_head", "Last notification id in the event store", head),
        Reading(
            "score_projector_lag_events",
            "Events stored and not yet in the read models",
            lambda: head() - position(),
        ),
        Reading(
            "score_projector_stuck",
            "1 if the active projector is stuck at an event",
            lambda: float(follower.stuck is not None) if active.is_set() else None,
        ),
    ]
