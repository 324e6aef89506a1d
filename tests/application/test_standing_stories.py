"""Stories of certified trainers' standing: the yearly clock, delisting, removal, materials."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.calendar import add_months
from domain.enterprise import EnterpriseDetails
from domain.errors import (
    InvalidInput,
    MaterialsAccessDenied,
    NotPermitted,
    StandingRuleViolated,
)
from domain.trainer.state import Listing
from domain.trainer.steps import Reinstate, RemoveForCause, SubmitTrainingRecord
from domain.values import Actor, Material, Module
from service.app.certification import Certification
from tests.stories import Story, new_id


@pytest.fixture
def story(app: Certification) -> Story:
    return Story(app)


def certified(story: Story) -> Actor:
    candidate = story.register_candidate()
    story.certified_in(Module.WC, candidate, story.register_expert())
    return candidate


def record(module: str = "WC", delivered_on: date = date(2026, 3, 1)) -> SubmitTrainingRecord:
    return SubmitTrainingRecord(delivered_on, module, enterprises=2, participants=25)


def test_a_training_record_restarts_the_twelve_month_clock(story: Story) -> None:
    trainer = certified(story)
    submitted = story.later(90)
    state = story.app.take_standing_step(
        trainer.user_id, record(delivered_on=submitted.date()), trainer, new_id(), submitted
    ).state
    assert state.standing is not None
    assert state.standing.clock_started_at == submitted
    assert state.standing.last_training_record_at == submitted


def test_training_records_count_only_for_held_modules_and_past_dates(story: Story) -> None:
    trainer = certified(story)
    app, now = story.app, story.later()
    with pytest.raises(StandingRuleViolated, match="not certified in OSH"):
        app.take_standing_step(trainer.user_id, record("OSH"), trainer, new_id(), now)
    with pytest.raises(InvalidInput, match="in the future"):
        future = record(delivered_on=date(2030, 1, 1))
        app.take_standing_step(trainer.user_id, future, trainer, new_id(), now)


def test_reminders_follow_the_clock_and_are_recorded_once(story: Story) -> None:
    trainer = certified(story)
    app = story.app
    start = app.trainer(trainer.user_id).standing
    assert start is not None
    clock = start.clock_started_at

    with pytest.raises(StandingRuleViolated, match="9 months have not passed"):
        app.remind_inactive_trainer(trainer.user_id, 9, "r9-early", add_months(clock, 8))
    nine_months_on = add_months(clock, 9)
    state = app.remind_inactive_trainer(trainer.user_id, 9, "r9", nine_months_on).state
    assert state.standing is not None and state.standing.reminders_sent == (9,)
    with pytest.raises(StandingRuleViolated, match="already sent"):
        app.remind_inactive_trainer(trainer.user_id, 9, "r9-again", nine_months_on)


def test_twelve_months_without_a_record_delists_the_trainer(story: Story) -> None:
    trainer = certified(story)
    app = story.app
    standing = app.trainer(trainer.user_id).standing
    assert standing is not None
    eleven_months_on = add_months(standing.clock_started_at, 11)
    with pytest.raises(StandingRuleViolated, match="is active until"):
        app.delist_inactive_trainer(trainer.user_id, "inactive-early", eleven_months_on)

    a_year_on = add_months(standing.clock_started_at, 12)
    state = app.delist_inactive_trainer(trainer.user_id, "inactive", a_year_on).state
    assert state.standing is not None and state.standing.listing is Listing.INACTIVE
    assert not state.listed


def test_the_programme_office_removes_for_cause_and_reinstates(story: Story) -> None:
    trainer = certified(story)
    app = story.app
    removal = RemoveForCause("copyright", "sold copies of the SCORE manual")
    with pytest.raises(NotPermitted, match="programme office"):
        app.take_standing_step(trainer.user_id, removal, trainer, new_id(), story.later())
    with pytest.raises(InvalidInput, match="reason: is empty; give the reason"):
        blank = RemoveForCause("conduct", " ")
        app.take_standing_step(trainer.user_id, blank, story.hq, new_id(), story.later())

    removed = app.take_standing_step(trainer.user_id, removal, story.hq, new_id(), story.later())
    assert removed.state.standing is not None
    assert removed.state.standing.listing is Listing.REMOVED
    assert removed.state.standing.delisting_reason == "copyright: sold copies of the SCORE manual"
    with pytest.raises(StandingRuleViolated, match="reinstate them before"):
        app.take_standing_step(trainer.user_id, record(), trainer, new_id(), story.later())

    back_on = story.later()
    reinstated = app.take_standing_step(
        trainer.user_id, Reinstate("apology and training"), story.hq, new_id(), back_on
    ).state
    assert reinstated.listed and reinstated.standing is not None
    assert reinstated.standing.clock_started_at == back_on


def test_materials_open_only_to_listed_trainers_for_modules_they_hold(story: Story) -> None:
    trainer = certified(story)
    app = story.app
    opened = app.open_materials(
        trainer.user_id, Module.WC, Material.TRAINER_GUIDE, trainer, new_id(), story.later()
    )
    assert opened.state.listed
    with pytest.raises(MaterialsAccessDenied, match="not certified in QUALITY"):
        app.open_materials(
            trainer.user_id, Module.QUALITY, Material.MANUAL, trainer, new_id(), story.later()
        )
    removal = RemoveForCause("conduct", "harassment of a participant")
    app.take_standing_step(trainer.user_id, removal, story.hq, new_id(), story.later())
    with pytest.raises(MaterialsAccessDenied, match="not on the list"):
        app.open_materials(
            trainer.user_id, Module.WC, Material.MANUAL, trainer, new_id(), story.later()
        )


def test_candidates_have_no_standing_and_no_materials(story: Story) -> None:
    candidate = story.register_candidate()
    with pytest.raises(StandingRuleViolated, match="not a certified SCORE trainer"):
        story.app.take_standing_step(
            candidate.user_id, record(), candidate, new_id(), story.later()
        )
    with pytest.raises(MaterialsAccessDenied, match="not on the list"):
        story.app.open_materials(
            candidate.user_id, Module.WC, Material.MANUAL, candidate, new_id(), story.later()
        )


@pytest.mark.parametrize(
    ("employees", "warned"), [(49, True), (50, False), (250, False), (251, True)]
)
def test_an_enterprise_outside_sme_size_is_accepted_with_a_warning(
    story: Story, employees: int, warned: bool
) -> None:
    details = EnterpriseDetails(f"Tannery {new_id()[:6]}", "PK", "leather", employees, 10)
    state = story.app.register_enterprise(details, story.hq, new_id(), story.later()).state
    assert (state.size_warning is not None) is warned
    if warned:
        assert state.size_warning is not None
        assert "outside the SCORE target of 50–250" in state.size_warning.detail
        assert state.size_warning.code == "enterprise_outside_sme_size"
        assert state.size_warning.params == {
            "employees": employees,
            "min_employees": 50,
            "max_employees": 250,
            "policy_version": 0,
        }


def test_implausible_numbers_are_refused_with_a_reason(story: Story) -> None:
    trainer = certified(story)
    now = story.later(90)
    huge = SubmitTrainingRecord(now.date(), "WC", enterprises=2, participants=10**19)
    with pytest.raises(InvalidInput, match="look like a typing error"):
        story.app.take_standing_step(trainer.user_id, huge, trainer, new_id(), now)
    details = EnterpriseDetails("Everything Inc", "IN", "all", 3_000_000_000, 10)
    with pytest.raises(InvalidInput, match="looks like a typing error"):
        story.app.register_enterprise(details, story.hq, new_id(), story.later())


def test_a_record_of_a_training_more_than_a_year_ago_does_not_keep_a_trainer_listed(
    story: Story,
) -> None:
    """Else a trainer who trained once could stay listed for years, sending one record of an
    old training a year."""
    trainer = certified(story)
    app = story.app
    first = story.later(30)
    app.take_standing_step(
        trainer.user_id, record(delivered_on=first.date()), trainer, new_id(), first
    )
    a_year_on = story.later(400)
    old = record(delivered_on=first.date() + timedelta(days=1))
    before = app.recorder.max_notification_id()

    with pytest.raises(StandingRuleViolated, match="more than 12 months ago"):
        app.take_standing_step(trainer.user_id, old, trainer, new_id(), a_year_on)
    assert app.recorder.max_notification_id() == before
