"""Rebuilt from zero, the read models equal the live ones; and they can look back in time."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import delete, insert, update

from domain.trainer.steps import RemoveForCause
from domain.values import Module
from projections.projector import Projector
from projections.queries import public_list
from projections.rebuild import as_of, rebuild_and_compare
from projections.store import ReadModels, read_models_at
from service.settings import Settings
from tests.projections.helpers import all_rows, one_of_everything, register_candidate_in
from tests.stories import Story, new_id


def test_read_models_rebuilt_from_zero_equal_the_live_ones(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    one_of_everything(story, projector)  # the live projector follows the story as it happens
    projector.catch_up()

    report = rebuild_and_compare(story.app, read_models)

    assert report.identical, report.differences
    assert report.position == story.app.recorder.max_notification_id()
    projected = all_rows(read_models)
    assert all(projected.values()), "the story should give every read model rows to compare"
    assert report.rows_compared == sum(map(len, projected.values()))


def test_a_rebuild_beside_the_live_tables_in_the_same_database_is_identical(
    story: Story, projector: Projector, read_models: ReadModels, settings: Settings
) -> None:
    one_of_everything(story, projector)
    projector.catch_up()
    beside = read_models_at(settings.sqlalchemy_url, prefix="rb_")
    try:
        report = rebuild_and_compare(story.app, read_models, beside)
        assert report.identical, report.differences
        assert public_list(beside) == public_list(read_models) != []
    finally:
        beside.engine.dispose()


def test_the_comparison_names_every_row_that_differs(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    expert = story.register_expert()
    certified = story.certified_in(Module.WC, story.register_candidate(), expert)
    journey = story.enrol(story.register_candidate(), Module.WC, expert)
    projector.catch_up()
    t = read_models.tables
    with read_models.engine.begin() as conn:  # three kinds of damage to the live tables
        conn.execute(
            update(t.journeys)
            .where(t.journeys.c.journey_id == journey.journey_id)
            .values(stage="certified")
        )
        conn.execute(delete(t.public_trainers))
        conn.execute(
            insert(t.certificates).values(
                certificate_number="SCORE-2026-99999",
                trainer_id=expert.user_id,
                issued_at=story.now,
            )
        )

    found = {(d.table, d.kind): d for d in rebuild_and_compare(story.app, read_models).differences}

    assert set(found) == {
        ("journeys", "changed"),
        ("public_trainers", "missing_in_live"),
        ("certificates", "missing_in_rebuilt"),
    }
    assert found["journeys", "changed"].key == {"journey_id": journey.journey_id}
    assert found["journeys", "changed"].changes == {"stage": ("certified", "enrolled")}
    assert found["public_trainers", "missing_in_live"].key == {
        "certificate_number": certified.certificate_number
    }


def test_the_public_list_as_it_stood_on_a_given_date(story: Story) -> None:
    expert = story.register_expert()
    ana, dev = (register_candidate_in(story, n, "IN") for n in ("Ana Lima", "Dev Shah"))
    story.certified_in(Module.WC, ana, expert)
    ana_listed = story.now
    story.later(30)
    story.certified_in(Module.WC, dev, expert)
    dev_listed = story.now
    removal = RemoveForCause("conduct", "harassment of a participant")
    story.app.take_standing_step(ana.user_id, removal, story.hq, new_id(), story.later(30))

    def listed_on(moment: datetime | date) -> list[str]:
        return [t.name for t in public_list(as_of(story.app, moment))]

    assert listed_on(ana_listed - timedelta(seconds=1)) == []
    assert listed_on(ana_listed) == ["Ana Lima"]
    assert listed_on(dev_listed.date()) == ["Ana Lima", "Dev Shah"]  # the end of that day
    assert listed_on(story.now) == ["Dev Shah"]
