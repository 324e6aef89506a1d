"""The participants' satisfaction with a classroom workshop: recorded where they were asked,
refused when it is no percentage, and absent (not invented) in workshops recorded before."""

from __future__ import annotations

import json
import math
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from domain.errors import InvalidInput
from domain.journey.aggregate import Journey
from domain.journey.state import JourneyState
from domain.journey.steps import (
    DeliverClassroomWorkshop,
    RecordBaselineAssessment,
    RecordToTResult,
    SelectEnterprise,
)
from domain.values import Actor, Module
from service.app.certification import Certification
from tests.stories import BASELINE, Story


@pytest.fixture
def story(app: Certification) -> Story:
    return Story(app)


def _ready_for_the_classroom(story: Story) -> tuple[JourneyState, Actor]:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    journey = story.step(journey, RecordToTResult(attended=True, completed=True), expert)
    enterprise = story.register_enterprise()
    journey = story.step(journey, SelectEnterprise(enterprise), candidate)
    today = story.now.date()
    journey = story.step(journey, RecordBaselineAssessment(enterprise, today, BASELINE), candidate)
    return journey, candidate


def test_a_satisfaction_outside_0_to_100_percent_is_refused_and_nothing_is_written(
    story: Story,
) -> None:
    journey, candidate = _ready_for_the_classroom(story)
    today = story.now.date()
    for wrong in (101.0, -1.0, math.nan):
        with pytest.raises(InvalidInput, match="Satisfaction is a percentage from 0 to 100"):
            story.step(journey, DeliverClassroomWorkshop(today, 3, 9, 4, wrong), candidate)
    assert story.app.journey(journey.journey_id).cycle.classroom_delivered is False  # type: ignore[union-attr]


def test_a_workshop_recorded_before_satisfaction_existed_reads_as_not_asked(story: Story) -> None:
    journey, candidate = _ready_for_the_classroom(story)
    story.step(journey, DeliverClassroomWorkshop(story.now.date(), 3, 9, 4, 88.0), candidate)
    (stored,) = [
        e
        for e in story.app.recorder.select_events(UUID(journey.journey_id))
        if e.topic.endswith("ClassroomWorkshopDelivered")
    ]
    new = story.app.mapper.to_domain_event(stored)
    assert isinstance(new, Journey.ClassroomWorkshopDelivered) and new.satisfaction == 88.0

    # The same event as the previous release stored it: no satisfaction, no class version.
    state = json.loads(stored.state)
    del state["satisfaction"], state["class_version"]
    old = StoredEvent(
        stored.originator_id, stored.originator_version, stored.topic, json.dumps(state).encode()
    )
    upcast = story.app.mapper.to_domain_event(old)
    assert isinstance(upcast, Journey.ClassroomWorkshopDelivered)
    assert upcast.satisfaction is None and upcast.managers == 3
