"""Each notification takes effect exactly once: re-processing, failures, restarts, rivals."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.engine import Connection

from projections import projector as projector_module
from projections.projector import Projector
from projections.rebuild import rebuild_and_compare
from projections.store import ReadModels
from projections.tables import ReadModelTables
from service.app.certification import Certification
from tests.projections.helpers import all_rows, one_of_everything
from tests.stories import Story


def events_in_store(app: Certification) -> int:
    return app.recorder.max_notification_id() or 0


def test_processing_the_same_notifications_again_changes_nothing(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    one_of_everything(story, projector)
    projected = all_rows(read_models)
    halfway = events_in_store(story.app) // 2
    with read_models.engine.begin() as conn:  # as if the later commits had never happened
        conn.execute(read_models.tables.tracking.update().values(position=halfway))

    again = Projector(story.app, read_models).catch_up()

    assert again == events_in_store(story.app) - halfway
    assert all_rows(read_models) == projected
    assert read_models.position() == events_in_store(story.app)


def test_a_batch_that_fails_before_its_commit_leaves_rows_and_position_as_they_were(
    story: Story, projector: Projector, read_models: ReadModels, monkeypatch: pytest.MonkeyPatch
) -> None:
    expert = story.register_expert()
    story.ready_to_assess(story.register_candidate(), expert)
    projector.catch_up()
    position, projected = read_models.position(), all_rows(read_models)
    story.ready_to_assess(story.register_candidate(), expert)

    def crash(conn: Connection, t: ReadModelTables, name: str, old: int, new: int) -> None:
        raise RuntimeError("the power went out after the rows were written")

    monkeypatch.setattr(projector_module, "advance_position", crash)
    with pytest.raises(RuntimeError, match="power went out"):
        projector.catch_up()
    assert read_models.position() == position and all_rows(read_models) == projected

    monkeypatch.undo()
    assert projector.catch_up() == events_in_store(story.app) - position
    assert rebuild_and_compare(story.app, read_models).identical


def test_a_projector_restarted_midway_resumes_where_it_stopped(
    story: Story, read_models: ReadModels
) -> None:
    one_of_everything(story)
    first = Projector(story.app, read_models, batch_size=7)
    for _ in range(3):
        first.process_next_batch()
    assert read_models.position() == 21

    # A new process: nothing in memory, so states come from the event store.
    restarted = Projector(story.app, read_models, batch_size=7)
    assert restarted.catch_up() == events_in_store(story.app) - 21

    report = rebuild_and_compare(story.app, read_models)
    assert report.identical and report.position == events_in_store(story.app)


def test_two_projectors_at_once_still_apply_each_notification_once(
    story: Story, read_models: ReadModels, caplog: pytest.LogCaptureFixture
) -> None:
    one_of_everything(story)
    rivals = [Projector(story.app, read_models, batch_size=5) for _ in range(2)]
    caplog.set_level(logging.WARNING, logger=projector_module.__name__)

    while read_models.position() < events_in_store(story.app):
        for rival in rivals:
            rival.process_next_batch()

    assert "the position moved under us" in caplog.text
    assert rebuild_and_compare(story.app, read_models).identical
