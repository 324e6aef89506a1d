"""Corrections through the application, on every store: once per command, and within a
country office's reach. Both views of the past: tests/audit/test_as_of_views.py."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from domain.errors import NotPermitted, StepNotAllowed
from domain.journey.state import JourneyState
from domain.journey.steps import (
    AmendStep,
    Certify,
    Correction,
    VoidStep,
    Withdraw,
)
from domain.values import Actor, Role
from service.app.certification import Certification
from tests.stories import Story, new_id, version_of, visit_days


@pytest.fixture
def story(app: Certification) -> Story:
    return Story(app)


def test_a_correction_sent_twice_under_one_command_is_recorded_once(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.ready_to_assess(candidate, expert)
    visit = version_of(journey, "coaching_visit")
    day = journey.recorded[-1].at.date() - timedelta(days=1)
    amend, command = AmendStep(visit, "a day earlier", visited_on=day), new_id()

    first = story.app.take_step(journey.journey_id, amend, candidate, command, story.later())
    again = story.app.take_step(journey.journey_id, amend, candidate, command, story.later())

    assert first.state == again.state
    events = list(story.app.events.get(UUID(journey.journey_id)))
    assert [type(e).__name__ for e in events].count("StepAmended") == 1
    assert visit_days(story.app.journey(journey.journey_id)) == [day.isoformat()]


def test_a_country_office_corrects_only_journeys_in_its_countries(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()  # in India
    journey = story.ready_to_assess(candidate, expert)
    note = AmendStep(version_of(journey, "coaching_visit"), "typo", notes="5S and layout")
    sri_lanka, india = Actor("lk-office", Role.HQ, ("LK",)), Actor("in-office", Role.HQ, ("IN",))

    with pytest.raises(NotPermitted, match="LK"):
        story.app.take_step(journey.journey_id, note, sri_lanka, new_id(), story.later())
    story.app.take_step(journey.journey_id, note, india, new_id(), story.later())


def _event_names(story: Story, aggregate_id: str) -> list[str]:
    return [type(e).__name__ for e in story.app.events.get(UUID(aggregate_id))]


def _refused_writing_nothing(story: Story, journey: JourneyState, step: Correction) -> None:
    both = (journey.journey_id, journey.trainer_id)
    before = [_event_names(story, aggregate_id) for aggregate_id in both]
    with pytest.raises(StepNotAllowed, match="can no longer be corrected") as refused:
        story.app.take_step(journey.journey_id, step, story.hq, new_id(), story.later())
    assert refused.value.code == "correction_after_close"
    assert [_event_names(story, aggregate_id) for aggregate_id in both] == before


def test_the_office_cannot_correct_a_certified_journey_and_the_trainer_is_certified_once(
    story: Story,
) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.assess(story.ready_to_assess(candidate, expert), expert, "recommended")
    journey = story.step(journey, Certify(), story.hq)
    visit = version_of(journey, "coaching_visit")

    _refused_writing_nothing(story, journey, AmendStep(visit, "late fix", notes="5S, layout"))
    _refused_writing_nothing(story, journey, VoidStep(visit, "late fix"))

    trainer_events = _event_names(story, journey.trainer_id)
    assert trainer_events.count("CertificateIssued") == 1
    assert trainer_events.count("JourneyEnded") == 1


def test_a_withdrawn_journey_is_not_corrected_and_ends_on_the_trainer_once(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.ready_to_assess(candidate, expert)
    journey = story.step(journey, Withdraw("moved abroad"), candidate)

    _refused_writing_nothing(
        story, journey, AmendStep(version_of(journey, "coaching_visit"), "typo", notes="5S")
    )

    assert _event_names(story, journey.trainer_id).count("JourneyEnded") == 1
