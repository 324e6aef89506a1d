"""The fault suite's own check can fail: it names a lost write and a doubled event."""

from __future__ import annotations

from uuid import UUID

from domain.journey.aggregate import Journey
from domain.journey.steps import (
    DeliverClassroomWorkshop,
    RecordBaselineAssessment,
    RecordCoachingVisit,
    RecordToTResult,
    SelectEnterprise,
)
from domain.values import Module
from service.app.certification import Certification
from tests.stories import BASELINE, Story
from tests.traffic import Answer, Ledger, StoreCheck


def accepted(username: str, key: str) -> Answer:
    return Answer(username, key, "POST", "/journeys", 201, {})


def test_a_write_answered_but_never_stored_is_reported_lost(app: Certification) -> None:
    story = Story(app)
    expert, candidate = story.register_expert(), story.register_candidate()
    workshop = story.schedule_workshop(Module.WC, expert)
    app.enrol(candidate.user_id, workshop, story.hq, "office:stored", story.later())
    ledger = Ledger(answers=[accepted("office", "stored"), accepted("office", "lost")])

    check = StoreCheck.of(app, ledger)

    assert check.missing == ("office:lost",)
    assert check.doubled == {} and check.accepted == 2


def test_a_command_recorded_twice_on_one_aggregate_is_reported_doubled(
    app: Certification,
) -> None:
    story = Story(app)
    candidate, expert = story.register_candidate(), story.register_expert()
    journey = story.enrol(candidate, Module.WC, expert)
    journey = story.step(journey, RecordToTResult(attended=True, completed=True), expert)
    firm = story.register_enterprise()
    for step in (
        SelectEnterprise(firm),
        RecordBaselineAssessment(firm, story.now.date(), BASELINE),
        DeliverClassroomWorkshop(story.now.date(), 8, 16, 7),
    ):
        journey = story.step(journey, step, candidate)
    aggregate: Journey = app.repository.get(UUID(journey.journey_id))
    # As a retry that the idempotency machinery failed to recognise would record it.
    visit = RecordCoachingVisit(firm, story.now.date())
    aggregate.take(visit, candidate, "candidate:visit-once", story.later())
    aggregate.take(visit, candidate, "candidate:visit-once", story.later())
    app.save(aggregate)

    check = StoreCheck.of(app, Ledger(answers=[accepted("candidate", "visit-once")]))

    (doubled,) = check.doubled["candidate:visit-once"]
    assert doubled.endswith("CoachingVisitRecorded ×2")
    assert check.missing == () and len(check.doubled) == 1
