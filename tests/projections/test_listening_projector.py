"""On PostgreSQL the live projector waits for the notification that events were stored, not
for its next poll: it sees a step at once though it would look again only after 30 s, and a
lost listening session costs it nothing stored meanwhile.

The projector runs as `score projector` runs it (`run_until` in a thread of its own), with a
safety poll of 30 s, so a read model that catches up within seconds was woken by a
notification or by the look that follows a session listened on afresh.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from projections.leadership import LISTEN_APPLICATION
from projections.projector import Projector
from projections.rebuild import rebuild_and_compare
from projections.store import ReadModels, read_models_at
from projections.wakeup import NotificationListener
from service.app.certification import Certification
from service.bootstrap.parts import build_certification
from service.settings import Settings
from service.storage.chain import chain_of
from tests.migrated import migrated
from tests.postgres import SERVER, empty_every_table
from tests.projections.helpers import one_of_everything
from tests.stories import Story

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]

SAFETY_POLL = 30.0  # seconds: far beyond any wait below
WITHIN = 5.0  # seconds for the read models to show a write, on a loaded 2-core machine


class Watched:
    """The projector's listener, as the test sees it: whether the projector is waiting in it
    for a notification, and a way to hold the projector back just after a wait ends."""

    def __init__(self, listener: NotificationListener) -> None:
        self.listener = listener
        self.waiting = threading.Event()  # in a wait, on a session that listens
        self.hold = threading.Event()  # set by the test: hold the wait that loses its session
        self.held = threading.Event()
        self.release = threading.Event()

    def wait(self, stopping: threading.Event, timeout: float) -> None:
        if self.listener.listening:
            self.waiting.set()
        try:
            self.listener.wait(stopping, timeout)
        finally:
            self.waiting.clear()
        if self.hold.is_set() and not self.listener.listening:  # its session was lost
            self.hold.clear()
            self.held.set()
            self.release.wait(WITHIN)

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def settings(projections_postgres_url: str, tmp_path: Path) -> Settings:
    empty_every_table(projections_postgres_url)
    return migrated(Settings(data_dir=tmp_path / "data", database_url=projections_postgres_url))


@pytest.fixture
def read_models(settings: Settings) -> Iterator[ReadModels]:
    read_models = read_models_at(settings.sqlalchemy_url)
    yield read_models
    read_models.engine.dispose()


@pytest.fixture
def listener(app: Certification, settings: Settings) -> Iterator[Watched]:
    watched = Watched(
        NotificationListener(settings.sqlalchemy_url, chain_of(app).events.name, timeout_seconds=5)
    )
    yield watched
    watched.close()


@pytest.fixture
def following(app: Certification, read_models: ReadModels, listener: Watched) -> Iterator[None]:
    """The projector following the log with a 30 s safety poll, woken by notifications."""
    projector = Projector(app, read_models)
    stopping = threading.Event()
    follower = threading.Thread(
        target=projector.run_until, args=(stopping, SAFETY_POLL), kwargs={"wakeup": listener}
    )
    follower.start()
    yield
    listener.release.set()
    stopping.set()
    follower.join(timeout=10)
    assert not follower.is_alive()


@pytest.fixture
def app(settings: Settings) -> Iterator[Certification]:
    certification = build_certification(settings)
    yield certification
    certification.close()


def waiting_for_a_notification(listener: Watched) -> None:
    assert listener.waiting.wait(WITHIN), "the projector never waited for a notification"


def head(app: Certification) -> int:
    return app.recorder.max_notification_id() or 0


def listening_sessions(url: str) -> list[int]:
    with psycopg.connect(SERVER, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
            (make_url(url).database, LISTEN_APPLICATION),
        ).fetchall()
    return [pid for (pid,) in rows]


def end_sessions(pids: list[int]) -> None:
    with psycopg.connect(SERVER, autocommit=True) as admin:
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_each_write_wakes_the_projector_long_before_its_safety_poll(
    app: Certification, read_models: ReadModels, listener: Watched, following: None
) -> None:
    story = Story(app)
    for _ in range(3):
        waiting_for_a_notification(listener)
        story.register_candidate()
        read_models.wait_for_position(head(app), timeout=WITHIN)


def test_events_stored_while_nobody_listens_are_projected_once_the_session_is_back(
    app: Certification,
    settings: Settings,
    read_models: ReadModels,
    listener: Watched,
    following: None,
) -> None:
    story = Story(app)
    story.register_expert()
    read_models.wait_for_position(head(app), timeout=WITHIN)
    waiting_for_a_notification(listener)
    [lost] = listening_sessions(settings.sqlalchemy_url)

    listener.hold.set()
    end_sessions([lost])  # as a failover or an administrator would
    assert listener.held.wait(WITHIN), "the projector did not notice its session had ended"
    assert not listener.listener.listening
    story.register_candidate()  # stored while no session listens: its notification is lost
    listener.release.set()

    read_models.wait_for_position(head(app), timeout=WITHIN)
    waiting_for_a_notification(listener)
    assert listening_sessions(settings.sqlalchemy_url) not in ([], [lost])
    one_of_everything(story)  # and notifications wake it on the new session
    read_models.wait_for_position(head(app), timeout=WITHIN)
    report = rebuild_and_compare(app, read_models)
    assert report.identical, report.differences


def test_a_listener_that_cannot_reach_the_database_waits_and_tries_again_without_failing() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/nowhere"
    listener = NotificationListener(url, "certification_events", 5, retry_seconds=0.05)
    try:
        listener.wait(threading.Event(), 1.0)  # no error: the projector looks, then waits again
        assert not listener.listening
    finally:
        listener.close()
