"""Stories of rules that had holes: each failed on the release before, then the domain closed it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest

from domain.errors import InvalidInput, NotPermitted, StandingRuleViolated, StepNotAllowed
from domain.journey.aggregate import Journey
from domain.journey.state import Stage
from domain.journey.steps import Certify, ReassignExpert, RecordToTResult, SelectEnterprise
from domain.trainer.steps import Reinstate, RemoveForCause, SubmitTrainingRecord
from domain.values import Actor, Module
from service.app.certification import Certification
from tests.stories import Story, new_id


@pytest.fixture
def story(app: Certification) -> Story:
    return Story(app)


def removed_for_conduct(story: Story, trainer: Actor) -> None:
    removal = RemoveForCause("conduct", "harassed a participant")
    story.app.take_standing_step(trainer.user_id, removal, story.hq, new_id(), story.later())


def reinstated(story: Story, trainer: Actor) -> None:
    back = Reinstate("inquiry closed, apology accepted")
    story.app.take_standing_step(trainer.user_id, back, story.hq, new_id(), story.later())


def test_a_trainer_removed_for_cause_is_enrolled_in_no_module_until_reinstated(
    story: Story,
) -> None:
    expert, trainer = story.register_expert(), story.register_candidate()
    story.certified_in(Module.WC, trainer, expert)
    removed_for_conduct(story, trainer)
    next_month = story.now.date() + timedelta(days=30)
    workshop = story.schedule_workshop(Module.QUALITY, expert, ends_on=next_month)
    written = story.app.recorder.max_notification_id()

    with pytest.raises(StandingRuleViolated, match="removed from the list for cause"):
        story.app.enrol(trainer.user_id, workshop, story.hq, new_id(), story.later())
    assert story.app.recorder.max_notification_id() == written

    reinstated(story, trainer)
    journey = story.app.enrol(trainer.user_id, workshop, story.hq, new_id(), story.now).state
    assert journey.module is Module.QUALITY


def test_a_trainer_removed_for_cause_is_certified_in_no_module_until_reinstated(
    story: Story,
) -> None:
    expert, trainer = story.register_expert(), story.register_candidate()
    story.certified_in(Module.WC, trainer, expert)
    journey = story.enrol(trainer, Module.QUALITY, expert)
    journey = story.step(journey, RecordToTResult(attended=True, completed=True), expert)
    journey = story.assess(story.run_cycle(journey, trainer), expert, "recommended")
    removed_for_conduct(story, trainer)
    written = story.app.recorder.max_notification_id()

    with pytest.raises(StandingRuleViolated, match="before they are certified"):
        story.step(journey, Certify(), story.hq)
    assert story.app.recorder.max_notification_id() == written

    reinstated(story, trainer)
    assert story.step(journey, Certify(), story.hq).stage is Stage.CERTIFIED
    assert Module.QUALITY in story.app.trainer(trainer.user_id).certified_modules


def test_a_training_record_for_a_module_code_that_does_not_exist_is_invalid_input(
    story: Story,
) -> None:
    trainer = story.register_candidate()
    story.certified_in(Module.WC, trainer, story.register_expert())
    delivered = story.later(30).date()
    typo = SubmitTrainingRecord(delivered, "wc", enterprises=2, participants=20)

    with pytest.raises(InvalidInput, match="module: wc is no SCORE module; use one of WC"):
        story.app.take_standing_step(trainer.user_id, typo, trainer, new_id(), story.now)

    fixed = SubmitTrainingRecord(delivered, "WC", enterprises=2, participants=20)
    state = story.app.take_standing_step(trainer.user_id, fixed, trainer, new_id(), story.now)
    assert state.state.standing is not None
    assert state.state.standing.last_delivered_on == delivered
    assert isinstance(delivered, date)


def test_a_firm_outside_sme_size_is_warned_of_when_selected_into_a_toe_cycle(
    story: Story,
) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    journey = story.step(journey, RecordToTResult(attended=True, completed=True), expert)
    large, small = story.register_enterprise(employees=300), story.register_enterprise(120)

    journey = story.step(journey, SelectEnterprise(large), candidate)
    journey = story.step(journey, SelectEnterprise(small), candidate)

    assert journey.cycle is not None
    warnings = {
        e.enterprise_id: e.size_warning.detail if e.size_warning else None
        for e in journey.cycle.enterprises
    }
    assert warnings == {
        large: "300 employees is outside the SCORE target of 50–250 (small and medium "
        "enterprises; policy version 0).",
        small: None,
    }
    assert story.app.journey(journey.journey_id) == journey, "the warning is on record"


def test_the_office_moves_a_candidate_to_another_expert_who_then_acts_alone(
    story: Story,
) -> None:
    leaving, taking_over = story.register_expert("Lee Leaving"), story.register_expert("Tia Over")
    candidate = story.register_candidate()
    journey = story.enrol(candidate, Module.WC, leaving)
    move = ReassignExpert(taking_over.user_id, "Lee retired")

    with pytest.raises(NotPermitted, match="programme office"):
        story.step(journey, move, leaving)
    journey = story.step(journey, move, story.hq)

    assert journey.expert_id == taking_over.user_id
    (moved,) = [
        e
        for e in story.app.events.get(UUID(journey.journey_id))
        if isinstance(e, Journey.ExpertReassigned)
    ]
    assert (moved.previous_expert_id, moved.reason) == (leaving.user_id, "Lee retired")
    result = RecordToTResult(attended=True, completed=True)
    with pytest.raises(NotPermitted):
        story.step(journey, result, leaving)
    assert story.step(journey, result, taking_over).stage is Stage.TOE_CYCLE


def test_a_candidate_moves_only_to_someone_who_is_an_expert_trainer(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    not_an_expert = story.register_candidate("Nora Notexpert")
    written = story.app.recorder.max_notification_id()

    with pytest.raises(InvalidInput, match="is not an expert trainer"):
        story.step(journey, ReassignExpert(not_an_expert.user_id, "mistake"), story.hq)
    with pytest.raises(StepNotAllowed, match="already supervises"):
        story.step(journey, ReassignExpert(expert.user_id, "again"), story.hq)
    assert story.app.recorder.max_notification_id() == written


def test_enrolment_closes_when_the_workshop_has_ended_everywhere(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    workshop = story.schedule_workshop(Module.WC, expert, ends_on=date(2026, 1, 10))

    story.now = datetime(2026, 1, 11, 11, 0, tzinfo=UTC)  # still the 10th west of UTC-11
    late_but_in_time = story.app.enrol(candidate.user_id, workshop, story.hq, new_id(), story.now)
    assert late_but_in_time.state.module is Module.WC

    other = story.register_candidate("Otto Late")
    written = story.app.recorder.max_notification_id()
    story.now = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
    with pytest.raises(StepNotAllowed, match="ended on 2026-01-10; candidates are enrolled"):
        story.app.enrol(other.user_id, workshop, story.hq, new_id(), story.now)
    assert story.app.recorder.max_notification_id() == written


def test_the_office_brings_in_a_past_enrolment_with_the_reason(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    workshop = story.schedule_workshop(Module.WC, expert, ends_on=date(2024, 9, 6))
    past = "paper records of the 2024 Faridabad workshop"

    with pytest.raises(NotPermitted, match="Only the programme office enrols in a workshop"):
        story.app.enrol(
            candidate.user_id, workshop, expert, new_id(), story.later(), backdated_reason=past
        )
    journey = story.app.enrol(
        candidate.user_id, workshop, story.hq, new_id(), story.later(), backdated_reason=past
    ).state

    (backdated,) = [
        e
        for e in story.app.events.get(UUID(journey.journey_id))
        if isinstance(e, Journey.EnrolmentBackdated)
    ]
    assert (backdated.workshop_ended_on, backdated.reason) == (date(2024, 9, 6), past)
