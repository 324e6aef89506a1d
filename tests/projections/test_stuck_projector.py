"""An event the projector cannot project (a type a newer release wrote): the projector stays
up, stuck at exactly that event and saying why, until an operator records a skip; the live
projector and every rebuild then leave out the same event."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from eventsourcing.utils import TopicError
from sqlalchemy import select
from typer.testing import CliRunner

from projections.projector import Projector
from projections.rebuild import rebuild_and_compare
from projections.skips import SkipList, SkipRefused
from projections.status import Progress, read_progress
from projections.store import ReadModels
from service.cli.commands import app as cli
from service.settings import Settings
from tests.projections.poison import JOURNEY_OPENED, NEWER_TOPIC, event_from_a_newer_release
from tests.stories import Story, new_id

STUCK_RETRY = 0.1


@contextmanager
def projector_following(app: Story, read_models: ReadModels) -> Iterator[Projector]:
    follower = Projector(app.app, read_models)
    stopping = threading.Event()
    thread = threading.Thread(
        target=follower.run_until, args=(stopping, 0.01), kwargs={"stuck_retry": STUCK_RETRY}
    )
    thread.start()
    try:
        yield follower
    finally:
        stopping.set()
        thread.join(timeout=30)
        assert not thread.is_alive()


def eventually(read_models: ReadModels, check: Callable[[Progress], bool]) -> Progress:
    deadline = time.monotonic() + 30
    while not check(progress := read_progress(read_models)):
        assert time.monotonic() < deadline, f"still {progress}"
        time.sleep(0.02)
    return progress


@pytest.fixture
def cli_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("SCORE_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("SCORE_DATABASE_URL", settings.database_url)
    return settings


def test_an_unknown_event_leaves_the_projector_stuck_there_until_a_recorded_skip(
    story: Story, read_models: ReadModels, cli_settings: Settings
) -> None:
    app = story.app
    story.register_expert()
    candidate = story.register_candidate()
    newer = event_from_a_newer_release(app, candidate.user_id, story.hq, story.later())
    # The newer release goes on with the candidate, in events this release knows.
    opened = {"module": "WC", "journey_id": new_id()}
    event_from_a_newer_release(
        app, candidate.user_id, story.hq, story.later(), JOURNEY_OPENED, **opened
    )
    last = app.recorder.max_notification_id()

    with projector_following(story, read_models):
        stuck = eventually(read_models, lambda p: p.stuck is not None)
        # Everything before the unknown event is projected, nothing after it.
        assert stuck.position == newer - 1
        assert stuck.stuck is not None and stuck.stuck.position == newer
        assert "Trainer.SuspendedPendingReview" in stuck.stuck.reason
        assert "TopicError" in stuck.stuck.reason
        # It keeps trying, and keeps the first failure's time.
        first = stuck.stuck
        again = eventually(
            read_models, lambda p: p.stuck is not None and p.stuck.checked_at > first.checked_at
        ).stuck
        assert again is not None and again.since == first.since

        status = CliRunner().invoke(cli, ["projector", "status"])
        assert status.exit_code == 1 and f"STUCK at {newer}" in status.output

        refused = CliRunner().invoke(cli, ["projector", "skip", str(newer - 1), "--reason", "x"])
        assert refused.exit_code == 1 and "already in the read models" in refused.output
        skipped = CliRunner().invoke(
            cli,
            [
                "projector",
                "skip",
                str(newer),
                "--reason",
                "suspension comes with 2.0",
                "--by",
                "ops",
            ],
        )
        assert skipped.exit_code == 0, skipped.output
        done = eventually(read_models, lambda p: p.stuck is None and p.position == last)
        assert done.position == last

    (skip,) = SkipList.of(app).load().skips
    assert (skip.position, skip.topic, skip.skipped_by) == (newer, NEWER_TOPIC, "ops")
    assert skip.reason == "suspension comes with 2.0"
    # The candidate's later events were projected past the skipped one.
    t = read_models.tables.trainers
    with read_models.connect() as conn:
        version = conn.scalar(select(t.c.version).where(t.c.trainer_id == candidate.user_id))
    assert version == 3  # registered, the skipped event, the journey opened

    # A restarted projector meets the candidate outside its memory: the state it replays from
    # the store leaves out the same event (which it could not even decode).
    opened = {"module": "OSH", "journey_id": new_id()}
    event_from_a_newer_release(
        app, candidate.user_id, story.hq, story.later(), JOURNEY_OPENED, **opened
    )
    Projector(app, read_models).catch_up()
    with read_models.connect() as conn:
        version = conn.scalar(select(t.c.version).where(t.c.trainer_id == candidate.user_id))
    assert version == 4

    report = rebuild_and_compare(app, read_models)
    assert report.identical, report.differences


def test_a_skip_is_refused_while_the_projector_is_not_stuck(
    story: Story, read_models: ReadModels, cli_settings: Settings
) -> None:
    story.register_expert()
    Projector(story.app, read_models).catch_up()
    refused = CliRunner().invoke(cli, ["projector", "skip", "1", "--reason", "tidy"])
    assert refused.exit_code == 1 and "not stuck" in refused.output
    missing = CliRunner().invoke(cli, ["projector", "skip", "99", "--reason", "tidy"])
    assert missing.exit_code == 1 and "No event is stored at position 99" in missing.output
    assert SkipList.of(story.app).load().skips == ()


def test_a_skip_without_by_names_its_operator_or_is_refused_as_a_usage_error(
    story: Story, read_models: ReadModels, cli_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    story.register_expert()

    def nobody() -> str:
        raise KeyError("uid 1234 has no name")

    monkeypatch.setattr("getpass.getuser", nobody)
    refused = CliRunner().invoke(cli, ["projector", "skip", "1", "--reason", "tidy"])

    assert refused.exit_code == 2, "a usage error, as typer's own: say who with --by"
    assert "Cannot tell who you are; say it with --by." in refused.output
    assert SkipList.of(story.app).load().skips == ()


def test_a_projector_that_failed_at_an_event_picks_up_a_skip_recorded_since(
    story: Story, read_models: ReadModels
) -> None:
    """As the audit's long-lived "as of" projectors do: no restart needed."""
    app = story.app
    candidate = story.register_candidate()
    newer = event_from_a_newer_release(app, candidate.user_id, story.hq, story.later())
    story.register_expert()
    projector = Projector(app, read_models)
    with pytest.raises(TopicError):
        projector.catch_up()
    assert read_models.position() < newer

    (event,) = app.recorder.select_notifications(newer, 1, stop=newer)
    SkipList.of(app).record(event, "known to 2.0 only", "ops", story.later(), stuck_at=newer)
    projector.catch_up()
    assert read_models.position() == app.recorder.max_notification_id()


def test_only_the_event_the_projector_is_stuck_at_may_be_skipped(
    story: Story, read_models: ReadModels
) -> None:
    """A later event may yet be projected, an earlier one already is: skipping either would
    leave the live read models and a rebuild disagreeing."""
    app = story.app
    candidate = story.register_candidate()
    newer = event_from_a_newer_release(app, candidate.user_id, story.hq, story.later())
    story.register_expert()
    skips = SkipList.of(app)
    stored = {n.id: n for n in app.recorder.select_notifications(1, newer + 1)}

    with pytest.raises(SkipRefused, match="only that event may be skipped"):
        skips.record(stored[newer + 1], "tidy", "ops", story.later(), stuck_at=newer)
    with pytest.raises(SkipRefused, match="already in the read models"):
        skips.record(
            stored[newer], "tidy", "ops", story.later(), stuck_at=newer, projected_to=newer
        )
    assert skips.load().skips == ()
