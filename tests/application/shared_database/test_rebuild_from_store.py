"""What the store holds rebuilds the same aggregates in a fresh process (no cache)."""

from __future__ import annotations

from domain.values import Module
from service.app.certification import Certification
from service.bootstrap.parts import build_certification
from service.settings import Settings
from tests.stories import Story


def test_a_fresh_application_rebuilds_the_same_states(
    app: Certification, settings: Settings
) -> None:
    story = Story(app)
    expert, candidate = story.register_expert(), story.register_candidate()
    story.certified_in(Module.WC, candidate, expert)
    journey = story.ready_to_assess(story.register_candidate(), expert)

    fresh = build_certification(settings)
    try:
        assert fresh.trainer(candidate.user_id) == app.trainer(candidate.user_id)
        assert fresh.journey(journey.journey_id) == app.journey(journey.journey_id)
        assert fresh.journey(journey.journey_id, version=1) == app.journey(
            journey.journey_id, version=1
        )
    finally:
        fresh.close()
