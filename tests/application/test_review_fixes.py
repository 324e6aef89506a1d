"""Retried registrations, unregistered enterprises, self-supervision, dates and records."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.enterprise import EnterpriseDetails
from domain.errors import InvalidInput, NotFound, StandingRuleViolated, StepNotAllowed
from domain.journey.steps import RecordBaselineAssessment, RecordToTResult, SelectEnterprise
from domain.trainer.steps import RemoveForCause, SubmitTrainingRecord
from domain.values import Module
from service.app.certification import Certification
from tests.stories import BASELINE, Story, new_id


@pytest.fixture
def story(app: Certification) -> Story:
    return Story(app)


def test_a_retried_registration_returns_the_first_result(story: Story) -> None:
    app, at = story.app, story.later()
    first = app.register_trainer("Ann", "ann-retry@example.org", "GH", story.hq, "reg-1", at)
    again = app.register_trainer("Ann", "ann-retry@example.org", "GH", story.hq, "reg-1", at)
    assert again.duplicate and again.state == first.state
    details = EnterpriseDetails("Retry Mills", "GH", "textiles", 90, 40)
    made = app.register_enterprise(details, story.hq, "ent-1", at)
    assert app.register_enterprise(details, story.hq, "ent-1", at).state == made.state


def test_only_a_registered_enterprise_can_be_selected(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    journey = story.step(journey, RecordToTResult(attended=True, completed=True), expert)
    with pytest.raises(NotFound, match="No registered enterprise"):
        story.step(journey, SelectEnterprise("made-up-enterprise"), candidate)


def test_an_expert_is_never_a_candidate_in_their_own_workshop(story: Story) -> None:
    expert = story.register_expert()
    workshop = story.schedule_workshop(Module.WC, expert)
    with pytest.raises(StepNotAllowed, match="assess and recommend themselves"):
        story.app.enrol(expert.user_id, workshop, story.hq, new_id(), story.later())


def test_visits_in_the_future_are_refused(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    journey = story.step(journey, RecordToTResult(attended=True, completed=True), expert)
    firm = story.register_enterprise()
    journey = story.step(journey, SelectEnterprise(firm), candidate)
    next_week = story.now.date() + timedelta(days=7)
    with pytest.raises(InvalidInput, match="is in the future"):
        story.step(journey, RecordBaselineAssessment(firm, next_week, BASELINE), candidate)


def test_old_or_repeated_training_records_do_not_restart_the_clock(story: Story) -> None:
    candidate, expert = story.register_candidate(), story.register_expert()
    story.certified_in(Module.WC, candidate, expert)
    app = story.app

    def submit(delivered_on: date) -> None:
        record = SubmitTrainingRecord(delivered_on, "WC", enterprises=1, participants=12)
        app.take_standing_step(candidate.user_id, record, candidate, new_id(), story.later(30))

    with pytest.raises(StandingRuleViolated, match="does not count"):
        submit(date(2025, 6, 1))  # before the certificate
    delivered = story.now.date()
    submit(delivered)
    with pytest.raises(StandingRuleViolated, match="does not count"):
        submit(delivered)  # the same training again


def test_removal_is_only_for_copyright_or_conduct(story: Story) -> None:
    candidate = story.register_candidate()
    story.certified_in(Module.WC, candidate, story.register_expert())
    odd = RemoveForCause("rudeness", "shouted")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="copyright or conduct"):
        story.app.take_standing_step(candidate.user_id, odd, story.hq, new_id(), story.later())
