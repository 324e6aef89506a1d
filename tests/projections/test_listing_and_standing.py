"""The public list, certificate checks and each certified trainer's standing."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from domain.calendar import add_months
from domain.trainer.state import Listing
from domain.trainer.steps import Reinstate, RemoveForCause
from domain.values import Module
from projections.projector import Projector
from projections.queries import public_list, standing, standings, verify_certificate
from projections.store import ReadModels
from tests.projections.helpers import (
    register_candidate_in,
    remind_and_delist,
    submit_training_record,
)
from tests.stories import Story, new_id


def test_the_public_list_names_certified_trainers_with_their_modules_and_number(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    expert = story.register_expert()
    ana = register_candidate_in(story, "Ana Lima", "BR")
    dev = register_candidate_in(story, "Dev Shah", "IN")
    story.register_candidate("Carla Candidate")  # not certified: not listed
    story.certified_in(Module.WC, dev, expert)
    story.certified_in(Module.BASICS, ana, expert)
    ana_state = story.certified_in(Module.QUALITY, ana, expert)
    projector.catch_up()

    listed = public_list(read_models)

    assert [(t.name, t.country, t.modules) for t in listed] == [
        ("Ana Lima", "BR", (Module.BASICS, Module.QUALITY)),
        ("Dev Shah", "IN", (Module.WC,)),
    ]
    assert listed[0].certificate_number == ana_state.certificate_number
    assert listed[0].listed_since == ana_state.certified_at
    assert [t.name for t in public_list(read_models, country="IN")] == ["Dev Shah"]
    assert [t.name for t in public_list(read_models, module=Module.QUALITY)] == ["Ana Lima"]


def test_the_public_list_holds_no_e_mail_address_or_internal_id(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    expert = story.register_expert()
    trainers = [story.certified_in(Module.WC, story.register_candidate(), expert)]
    projector.catch_up()
    private = {value for t in trainers for value in (t.email, t.trainer_id)}

    published = {str(v) for t in public_list(read_models) for v in dataclasses.astuple(t)}
    table = read_models.tables.public_trainers
    with read_models.connect() as conn:
        stored = {str(v) for row in conn.execute(select(table)) for v in row}

    assert published and stored
    assert not private & (published | stored)
    assert not any("@" in value for value in published | stored)
    assert "email" not in table.columns and "trainer_id" not in table.columns


def test_a_trainer_removed_for_cause_leaves_the_list_until_reinstated(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    trainer = story.register_candidate("Rosa Removed")
    number = story.certified_in(Module.WC, trainer, story.register_expert()).certificate_number
    assert number is not None
    removal = RemoveForCause("copyright", "sold copies of the SCORE manual")
    story.app.take_standing_step(trainer.user_id, removal, story.hq, new_id(), story.later())
    projector.catch_up()

    assert public_list(read_models) == []
    check = verify_certificate(read_models, number)
    assert check is not None and check.name == "Rosa Removed" and not check.listed
    removed = standing(read_models, trainer.user_id)
    assert removed is not None and removed.listing is Listing.REMOVED
    assert removed.delisting_reason == "copyright: sold copies of the SCORE manual"
    assert removed.delisted_at == story.now

    back_on = story.later()
    story.app.take_standing_step(
        trainer.user_id, Reinstate("apologised"), story.hq, new_id(), back_on
    )
    projector.catch_up()
    (listed,) = public_list(read_models)
    assert listed.certificate_number == number and listed.listed_since == back_on
    check = verify_certificate(read_models, number.lower())
    assert check is not None and check.listed
    assert verify_certificate(read_models, "SCORE-1999-00001") is None


def test_standing_shows_the_last_record_the_reminders_and_inactivity(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    trainer = story.register_candidate("Ines Inactive")
    story.certified_in(Module.WC, trainer, story.register_expert())
    submit_training_record(story, trainer)
    submitted_at = story.now
    projector.catch_up()

    active = standing(read_models, trainer.user_id)
    assert active is not None and active.listing is Listing.LISTED
    assert active.training_records == 1 and active.last_training_record is not None
    assert active.last_training_record.recorded_at == submitted_at
    assert active.inactive_from is not None and active.inactive_from.year == submitted_at.year + 1
    assert active.reminders_on_clock == () and active.delisted_at is None

    remind_and_delist(story, trainer)
    projector.catch_up()

    inactive = standing(read_models, trainer.user_id)
    assert inactive is not None and inactive.listing is Listing.INACTIVE
    assert [r.months for r in inactive.reminders_on_clock] == [9, 11]
    assert inactive.reminders_sent == 2 and inactive.inactive_from is None
    assert inactive.delisted_at == story.now
    assert standings(read_models, Listing.INACTIVE) == [inactive]
    assert standings(read_models, Listing.LISTED) == []
    assert public_list(read_models) == []


def test_a_new_training_record_restarts_the_clock_and_clears_its_reminders(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    trainer = story.register_candidate()
    story.certified_in(Module.WC, trainer, story.register_expert())
    clock = story.app.trainer(trainer.user_id).standing
    assert clock is not None
    story.now = add_months(clock.clock_started_at, 9)
    story.app.remind_inactive_trainer(trainer.user_id, 9, new_id(), story.now)
    submit_training_record(story, trainer)
    projector.catch_up()

    restarted = standing(read_models, trainer.user_id)
    assert restarted is not None and restarted.listing is Listing.LISTED
    assert restarted.reminders_on_clock == () and restarted.reminders_sent == 1
