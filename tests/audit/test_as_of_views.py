"""Two views of the past (docs/audit.md): as recorded, what the service knew at a moment; as
in effect, what was true then with every correction known now."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.journey.steps import AmendStep, VoidStep
from service.app.audit.as_of import View, journey_as_of, trainer_as_of
from service.app.certification import Certification
from tests.stories import Story, version_of, visit_days


@pytest.fixture
def story(app: Certification) -> Story:
    return Story(app)


def test_the_past_as_recorded_keeps_the_wrong_date_and_as_in_effect_shows_the_right_one(
    story: Story,
) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.ready_to_assess(candidate, expert)
    wrong = visit_days(journey)
    before_corrections = story.later()
    right = journey.recorded[-1].at.date() - timedelta(days=2)
    visit, report = version_of(journey, "coaching_visit"), version_of(journey, "progress_report")
    story.step(journey, AmendStep(visit, "wrong day", visited_on=right), candidate)
    story.step(journey, VoidStep(report, "another firm's figures"), expert)

    recorded = journey_as_of(story.app, journey.journey_id, before_corrections)
    in_effect = journey_as_of(story.app, journey.journey_id, before_corrections, View.AS_IN_EFFECT)
    assert visit_days(recorded.state) == wrong
    assert visit_days(in_effect.state) == [right.isoformat()]
    assert recorded.state.cycle is not None and in_effect.state.cycle is not None
    assert [e.reports for e in recorded.state.cycle.enterprises] == [1]
    assert [e.reports for e in in_effect.state.cycle.enterprises] == [0]
    assert [e.type for e in in_effect.corrections_since] == [
        "Journey.StepAmended",
        "Journey.StepVoided",
    ]
    # Now, both views agree: the corrections are known and in effect.
    now = story.later()
    assert (
        journey_as_of(story.app, journey.journey_id, now).state
        == journey_as_of(story.app, journey.journey_id, now, View.AS_IN_EFFECT).state
    )
    (trainer_journey,) = trainer_as_of(
        story.app, candidate.user_id, before_corrections, View.AS_IN_EFFECT
    ).journeys
    assert visit_days(trainer_journey.state) == [right.isoformat()]


def test_a_correction_recorded_before_the_moment_reads_the_same_in_both_views(
    story: Story,
) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.ready_to_assess(candidate, expert)
    story.step(journey, VoidStep(version_of(journey, "progress_report"), "twice"), expert)
    moment = story.later()
    assert (
        journey_as_of(story.app, journey.journey_id, moment).state
        == journey_as_of(story.app, journey.journey_id, moment, View.AS_IN_EFFECT).state
    )
