"""An expert who advances a step sees it on the next read: reads wait for the write's position."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest
from eventsourcing.persistence import Notification
from sqlalchemy.exc import InternalError, OperationalError

from domain.journey.state import Stage
from domain.journey.steps import RecordToTResult, SelectEnterprise
from domain.values import Module, Role
from projections.projector import Projector
from projections.queries import ReadModelsBehind, journey
from projections.store import ReadModels
from projections.writes import Changes
from tests.stories import Story, new_id


@pytest.fixture
def running_projector(projector: Projector) -> Iterator[Projector]:
    """The projector following the log in its own thread, as `score projector` does."""
    stopping = threading.Event()
    follower = threading.Thread(target=projector.run_until, args=(stopping, 0.01))
    follower.start()
    yield projector
    stopping.set()
    follower.join(timeout=10)
    assert not follower.is_alive()


def test_each_step_shows_on_the_read_that_waits_for_its_position(
    story: Story, running_projector: Projector, read_models: ReadModels
) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    enrolled = story.app.enrol(
        candidate.user_id,
        story.schedule_workshop(Module.WC, expert),
        story.hq,
        new_id(),
        story.later(),
    )
    journey_id = enrolled.state.journey_id
    tot = story.app.take_step(
        journey_id, RecordToTResult(attended=True, completed=True), expert, new_id(), story.later()
    )
    read_models.wait_for_position(tot.position, timeout=10)
    seen = journey(read_models, journey_id)
    assert seen is not None and seen.stage is Stage.TOE_CYCLE
    assert seen.next_action_by is Role.TRAINER

    selected = story.app.take_step(
        journey_id,
        SelectEnterprise(story.register_enterprise()),
        candidate,
        new_id(),
        story.later(),
    )
    read_models.wait_for_position(selected.position, timeout=10)
    seen = journey(read_models, journey_id)
    assert seen is not None and seen.next_action.startswith("baseline assessment of ")
    assert read_models.position() >= selected.position


def test_waiting_for_a_position_nobody_projects_times_out_with_the_reached_position(
    story: Story, read_models: ReadModels
) -> None:
    written = story.app.register_trainer(
        "Nadia New", "nadia@example.org", "EG", story.hq, new_id(), story.later()
    )
    with pytest.raises(ReadModelsBehind) as behind:
        read_models.wait_for_position(written.position, timeout=0.05)
    assert (behind.value.wanted, behind.value.reached) == (written.position, 0)


def test_the_projector_carries_on_after_the_database_was_briefly_unreachable(
    story: Story, projector: Projector, read_models: ReadModels, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = story.app.register_trainer(
        "Omar Outage", "omar@example.org", "JO", story.hq, new_id(), story.later()
    )
    read_page = projector._read_page
    failures: list[int] = []

    def unreachable_once(after: int, limit: int, stop: int | None) -> list[Notification]:
        if not failures:
            failures.append(after)
            raise OperationalError("SELECT …", {}, ConnectionError("server closed the connection"))
        return read_page(after, limit, stop)

    monkeypatch.setattr(projector, "_read_page", unreachable_once)
    stopping = threading.Event()
    follower = threading.Thread(target=projector.run_until, args=(stopping, 0.01, 0.01))
    follower.start()
    try:
        read_models.wait_for_position(written.position, timeout=10)
    finally:
        stopping.set()
        follower.join(timeout=10)
    assert failures == [0] and read_models.position() == written.position


def test_a_batch_whose_session_the_server_ended_is_tried_again_not_reported_stuck(
    story: Story,
    projector: Projector,
    read_models: ReadModels,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """PostgreSQL ends a session left idle in its transaction with an InternalError (its
    SQLSTATE's class), not an OperationalError: still a lost connection, worth a retry."""
    written = story.app.register_trainer(
        "Ida Idle", "ida@example.org", "TN", story.hq, new_id(), story.later()
    )
    build_batch = projector._changes_for
    ended: list[int] = []

    def ended_once(notifications: list[Notification]) -> Changes:
        if not ended:
            ended.append(notifications[-1].id)
            raise InternalError(
                "UPDATE …",
                {},
                Exception("terminating connection due to idle-in-transaction timeout"),
                connection_invalidated=True,
            )
        return build_batch(notifications)

    monkeypatch.setattr(projector, "_changes_for", ended_once)
    stopping = threading.Event()
    follower = threading.Thread(target=projector.run_until, args=(stopping, 0.01, 0.01))
    with caplog.at_level(logging.WARNING, logger="projections.projector"):
        follower.start()
        try:
            read_models.wait_for_position(written.position, timeout=10)
        finally:
            stopping.set()
            follower.join(timeout=10)
    assert ended and read_models.position() == written.position
    assert "idle-in-transaction timeout; retrying" in caplog.text
    assert "STUCK" not in caplog.text and "a batch failed" not in caplog.text
