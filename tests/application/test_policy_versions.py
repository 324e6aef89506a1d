"""The reminder months, the stall period, the inactivity period, the SME range and the
classroom participant limit as recorded policy versions: who changed what, when, from when it
applies; a change never reaches back, and decisions, warnings and refusals name their
version."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from domain.calendar import add_months
from domain.enterprise import EnterpriseDetails
from domain.errors import InvalidInput, NotPermitted, StandingRuleViolated, StepOutOfOrder
from domain.ids import POLICY_ID
from domain.journey.state import JourneyState
from domain.journey.steps import (
    AmendStep,
    DeliverClassroomWorkshop,
    JourneyStep,
    RecordBaselineAssessment,
    RecordCoachingVisit,
    RecordToTResult,
    SelectEnterprise,
)
from domain.policies import PolicyTerms, PolicyVersion, ProgrammePolicy
from domain.trainer.aggregate import Trainer
from domain.trainer.state import InactivityTerm
from domain.trainer.steps import SubmitTrainingRecord
from domain.values import Actor, Module, Role
from service.app.certification import Certification
from service.app.policies import (
    inactivity_at,
    policy_at,
    policy_versions,
    record_policy_version,
)
from service.settings import Settings
from tests.application.stores import settings_for
from tests.stories import BASELINE, Story, new_id, version_of

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Stores of each test's own: the programme has one policy, which a PostgreSQL database
    shared by the whole run would carry from test to test."""
    return settings_for(request.param, request, tmp_path)


OFFICE = Actor("office-ana", Role.HQ)
CONFIGURED = PolicyTerms((9, 11), 60)
EARLIER = PolicyTerms((6, 10), 45)


def a_certified_trainer(app: Certification) -> tuple[Actor, datetime]:
    """A trainer certified in WC, and when their activity clock started."""
    story = Story(app)
    expert, candidate = story.register_expert(), story.register_candidate()
    story.certified_in(Module.WC, candidate, expert)
    standing = app.trainer(candidate.user_id).standing
    assert standing is not None
    return candidate, standing.clock_started_at


def as_stored_before(
    app: Certification, stored: StoredEvent, field: str | tuple[str, ...], class_version: int
) -> object:
    """`stored` as a release before `field` (or these fields) existed wrote it, read by
    today's code."""
    state = json.loads(stored.state)
    for name in (field,) if isinstance(field, str) else field:
        del state[name]
    if class_version == 1:
        del state["class_version"]  # version 1 wrote none
    else:
        state["class_version"] = class_version
    old = StoredEvent(
        stored.originator_id, stored.originator_version, stored.topic, json.dumps(state).encode()
    )
    return app.mapper.to_domain_event(old)


def test_a_version_applies_from_its_own_date_and_the_history_says_who_and_why(
    app: Certification,
) -> None:
    applies_from = NOW + timedelta(days=30)
    version = record_policy_version(
        app, EARLIER, applies_from, "more notice for trainers", OFFICE, "change-1", NOW
    )

    assert (version.number, version.recorded_by, version.recorded_at) == (1, "office-ana", NOW)
    assert policy_at(app, NOW, CONFIGURED) == (0, CONFIGURED)  # not yet
    assert policy_at(app, applies_from, CONFIGURED) == (1, EARLIER)
    (kept,) = policy_versions(app)
    assert kept.reason == "more notice for trainers" and kept.applies_from == applies_from


def test_a_version_cannot_reach_back_and_the_same_command_records_it_once(
    app: Certification,
) -> None:
    with pytest.raises(StepOutOfOrder, match="has passed"):
        record_policy_version(app, EARLIER, NOW - timedelta(days=1), "oops", OFFICE, "c0", NOW)
    with pytest.raises(InvalidInput, match="reminder_months"):
        record_policy_version(app, PolicyTerms((12,), 60), NOW, "late", OFFICE, "c1", NOW)
    with pytest.raises(NotPermitted):
        record_policy_version(app, EARLIER, NOW, "mine", Actor("t", Role.TRAINER), "c2", NOW)
    assert policy_versions(app) == ()

    first = record_policy_version(app, EARLIER, NOW, "from today", OFFICE, "c3", NOW)
    again = record_policy_version(app, EARLIER, NOW, "from today", OFFICE, "c3", NOW)
    assert first == again and len(policy_versions(app)) == 1


def test_a_reminder_and_a_delisting_name_the_version_they_applied(app: Certification) -> None:
    candidate, clock = a_certified_trainer(app)
    app.remind_inactive_trainer(candidate.user_id, 9, new_id(), add_months(clock, 9), 2)
    app.delist_inactive_trainer(
        candidate.user_id, new_id(), add_months(clock, 12), InactivityTerm(12, 2)
    )

    stored = list(app.recorder.select_events(UUID(candidate.user_id)))
    events = [app.mapper.to_domain_event(e) for e in stored]
    reminder = next(e for e in events if isinstance(e, Trainer.ActivityReminderSent))
    delisting = next(e for e in events if isinstance(e, Trainer.DelistedForInactivity))
    assert reminder.policy_version == 2 and delisting.policy_version == 2

    # A reminder as the previous release stored it names no version, and reads as such.
    raw = next(e for e in stored if e.topic.endswith("ActivityReminderSent"))
    upcast = as_stored_before(app, raw, "policy_version", class_version=1)
    assert isinstance(upcast, Trainer.ActivityReminderSent) and upcast.policy_version is None


def test_a_reminder_stored_before_the_period_was_a_policy_term_reads_as_12_months(
    app: Certification,
) -> None:
    candidate, clock = a_certified_trainer(app)
    app.remind_inactive_trainer(candidate.user_id, 15, new_id(), add_months(clock, 15), 1, 18)
    raw = next(
        e
        for e in app.recorder.select_events(UUID(candidate.user_id))
        if e.topic.endswith("ActivityReminderSent")
    )
    assert app.mapper.to_domain_event(raw).inactive_after_months == 18  # type: ignore[attr-defined]

    # As the previous release stored it (v2): the policy version kept, the 12 months of then.
    upcast = as_stored_before(app, raw, "inactive_after_months", class_version=2)
    assert isinstance(upcast, Trainer.ActivityReminderSent)
    assert (upcast.months, upcast.policy_version, upcast.inactive_after_months) == (15, 1, 12)


LONGER = PolicyTerms((9, 15), 60, inactive_after_months=18)


def test_the_inactivity_period_is_a_policy_term_and_a_delisting_names_its_version_and_period(
    app: Certification,
) -> None:
    candidate, clock = a_certified_trainer(app)
    record_policy_version(app, LONGER, clock, "a longer year for trainers", OFFICE, "p1", clock)

    thirteen = add_months(clock, 13)
    assert inactivity_at(app, thirteen) == InactivityTerm(18, 1)
    with pytest.raises(StandingRuleViolated, match="policy version 1") as refused:
        app.delist_inactive_trainer(
            candidate.user_id, new_id(), thirteen, inactivity_at(app, thirteen)
        )
    assert (refused.value.code, refused.value.params["months"]) == ("still_active", 18)
    assert refused.value.params["policy_version"] == 1

    eighteen = add_months(clock, 18)
    app.delist_inactive_trainer(candidate.user_id, new_id(), eighteen, inactivity_at(app, eighteen))
    delisted = app.trainer(candidate.user_id).standing
    assert delisted is not None
    assert delisted.delisting_reason == "inactive: no training record for 18 months"
    (event,) = [
        e
        for e in app.events.get(UUID(candidate.user_id))
        if isinstance(e, Trainer.DelistedForInactivity)
    ]
    assert (event.policy_version, event.inactive_after_months) == (1, 18)

    # A delisting as the previous release stored it (v2) reads as the 12 months of then.
    raw = next(
        e
        for e in app.recorder.select_events(UUID(candidate.user_id))
        if e.topic.endswith("DelistedForInactivity")
    )
    upcast = as_stored_before(app, raw, "inactive_after_months", class_version=2)
    assert isinstance(upcast, Trainer.DelistedForInactivity)
    assert upcast.inactive_after_months == 12


def test_a_training_too_old_for_the_period_in_force_is_refused_naming_the_version(
    app: Certification,
) -> None:
    candidate, clock = a_certified_trainer(app)
    at = add_months(clock, 20)
    shorter = PolicyTerms((3,), 60, inactive_after_months=6)
    record_policy_version(app, shorter, at, "a shorter year", OFFICE, "p1", at)
    record = SubmitTrainingRecord(add_months(at, -8).date(), Module.WC.value, 2, 20)

    with pytest.raises(StandingRuleViolated) as refused:
        app.take_standing_step(
            candidate.user_id, record, candidate, new_id(), at, inactivity_at(app, at)
        )

    assert refused.value.code == "training_too_old"
    assert (refused.value.params["months"], refused.value.params["policy_version"]) == (6, 1)
    assert "more than 6 months ago (policy version 1)" in refused.value.reason


def test_reminder_months_must_come_before_the_inactivity_period_they_lead_up_to() -> None:
    with pytest.raises(InvalidInput, match=r"each between 1 and 5 \(the delisting comes at 6\)"):
        PolicyTerms((6,), 60, inactive_after_months=6).checked()
    with pytest.raises(InvalidInput, match="inactive_after_months: from 2 to 60"):
        PolicyTerms((), 60, inactive_after_months=1).checked()


def test_versions_stored_before_the_period_was_versioned_read_as_12_months_and_the_defaults(
    app: Certification,
) -> None:
    record_policy_version(app, EARLIER, NOW, "from today", OFFICE, "c1", NOW)
    (stored,) = [
        e for e in app.recorder.select_events(POLICY_ID) if e.topic.endswith("VersionRecorded")
    ]
    # Version 1 wrote none of the terms added since: it is upcast to 2, then to 3.
    added = (
        "inactive_after_months",
        "sme_min_employees",
        "sme_max_employees",
        "max_classroom_participants",
    )
    upcast = as_stored_before(app, stored, added, class_version=1)
    assert isinstance(upcast, ProgrammePolicy.VersionRecorded)
    assert upcast.inactive_after_months == 12
    assert (upcast.sme_min_employees, upcast.sme_max_employees) == (50, 250)
    assert upcast.max_classroom_participants == 1_000


def test_versions_stored_before_the_sme_range_and_participant_limit_read_as_the_defaults(
    app: Certification,
) -> None:
    record_policy_version(app, EARLIER, NOW, "from today", OFFICE, "c1", NOW)
    (stored,) = [
        e for e in app.recorder.select_events(POLICY_ID) if e.topic.endswith("VersionRecorded")
    ]
    added = ("sme_min_employees", "sme_max_employees", "max_classroom_participants")
    upcast = as_stored_before(app, stored, added, class_version=2)
    assert isinstance(upcast, ProgrammePolicy.VersionRecorded)
    assert (upcast.sme_min_employees, upcast.sme_max_employees) == (50, 250)
    assert upcast.max_classroom_participants == 1_000
    assert upcast.inactive_after_months == 12  # kept as v2 wrote it


def test_the_sme_range_and_the_participant_limit_are_checked_terms() -> None:
    with pytest.raises(InvalidInput, match="the minimum below the maximum; got 250–250"):
        PolicyTerms((9, 11), 60, sme_min_employees=250, sme_max_employees=250).checked()
    with pytest.raises(InvalidInput, match="at least 1"):
        PolicyTerms((9, 11), 60, sme_min_employees=0).checked()
    with pytest.raises(InvalidInput, match="max_classroom_participants: from 1 to 100,000"):
        PolicyTerms((9, 11), 60, max_classroom_participants=0).checked()
    kept = PolicyTerms((11, 9), 60, 12, 10, 100, 40).checked()
    assert kept == PolicyTerms((9, 11), 60, 12, 10, 100, 40)


def in_a_toe_cycle(story: Story) -> tuple[JourneyState, Actor]:
    """A candidate's journey past its ToT workshop, in its first ToE cycle."""
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    return story.step(journey, RecordToTResult(attended=True, completed=True), expert), candidate


def warnings_of(app: Certification, journey: JourneyState) -> dict[str, str | None]:
    cycle = app.journey(journey.journey_id).cycle
    assert cycle is not None
    return {
        e.enterprise_id: e.size_warning.detail if e.size_warning else None
        for e in cycle.enterprises
    }


def test_a_narrower_sme_range_warns_of_selections_from_its_date_on_and_names_its_version(
    app: Certification,
) -> None:
    story = Story(app)
    journey, candidate = in_a_toe_cycle(story)
    small, mid = story.register_enterprise(employees=30), story.register_enterprise(220)
    smaller, mid_later = story.register_enterprise(30), story.register_enterprise(220)
    narrower = PolicyTerms((9, 11), 60, sme_min_employees=20, sme_max_employees=200)
    applies = story.now + timedelta(days=10)
    record_policy_version(app, narrower, applies, "smaller firms", OFFICE, new_id(), story.now)

    for firm in (small, mid):  # before the version applies: the range of version 0
        journey = story.step(journey, SelectEnterprise(firm), candidate)
    story.later(10)
    for firm in (smaller, mid_later):  # from its date on: its range, named
        journey = story.step(journey, SelectEnterprise(firm), candidate)

    assert warnings_of(app, journey) == {
        small: "30 employees is outside the SCORE target of 50–250 (small and medium "
        "enterprises; policy version 0).",
        mid: None,  # warned of nothing then, and a later version does not change that
        smaller: None,
        mid_later: "220 employees is outside the SCORE target of 20–200 (small and medium "
        "enterprises; policy version 1).",
    }
    # A registration from then on is warned by the range in force too.
    assert app.enterprise(mid).size_warning is None
    big = EnterpriseDetails("Tannery of the Valley", "PK", "leather", 220, 40)
    registered = app.register_enterprise(big, story.hq, new_id(), story.later())
    assert registered.state.size_warning is not None
    assert "20–200" in registered.state.size_warning.detail
    assert registered.state.size_warning.params["policy_version"] == 1


def ready_for_the_classroom(story: Story) -> tuple[JourneyState, Actor]:
    journey, candidate = in_a_toe_cycle(story)
    firm = story.register_enterprise()
    journey = story.step(journey, SelectEnterprise(firm), candidate)
    baseline = RecordBaselineAssessment(firm, story.now.date(), BASELINE)
    return story.step(journey, baseline, candidate), candidate


def test_a_lower_participant_limit_refuses_classroom_workshops_from_its_date_naming_its_version(
    app: Certification,
) -> None:
    story = Story(app)
    (early, early_candidate), (late, late_candidate) = (
        ready_for_the_classroom(story),
        ready_for_the_classroom(story),
    )
    lower = PolicyTerms((9, 11), 60, max_classroom_participants=40)
    applies = story.now + timedelta(days=10)
    record_policy_version(app, lower, applies, "smaller classes", OFFICE, new_id(), story.now)

    crowded = DeliverClassroomWorkshop(story.now.date(), managers=20, workers=40, women=10)
    early = story.step(early, crowded, early_candidate)  # before its date: up to 1,000
    story.later(10)
    with pytest.raises(InvalidInput) as refused:
        story.step(late, replace(crowded, held_on=story.now.date()), late_candidate)

    assert refused.value.code == "too_many_participants"
    assert refused.value.params == {"participants": 60, "limit": 40, "policy_version": 1}
    assert "at most 40 (policy version 1)" in refused.value.reason
    # The workshop recorded before it stands, and is corrected by the limit of its moment.
    classroom = version_of(early, "classroom_workshop")
    fix = AmendStep(classroom, "two more women came", women=12)
    amended = story.step(early, fix, early_candidate).recorded_step(classroom)
    assert amended is not None and isinstance(amended.step, DeliverClassroomWorkshop)
    assert (amended.amended, amended.step.women) == (True, 12)


def test_a_step_reads_the_policy_only_when_a_rule_asks_for_a_term_and_then_once(
    app: Certification, monkeypatch: pytest.MonkeyPatch
) -> None:
    story = Story(app)
    journey, candidate = in_a_toe_cycle(story)
    firm = story.register_enterprise()
    read = app.policy_versions
    reads: list[str] = []

    def counted() -> tuple[PolicyVersion, ...]:
        reads.append("read")
        return read()

    monkeypatch.setattr(app, "policy_versions", counted)

    def reads_of(step: JourneyStep) -> int:
        nonlocal journey
        reads.clear()
        journey = story.step(journey, step, candidate)
        return len(reads)

    assert reads_of(SelectEnterprise(firm)) == 1  # the SME range, for its size warning
    assert reads_of(RecordBaselineAssessment(firm, story.now.date(), BASELINE)) == 0
    classroom = DeliverClassroomWorkshop(story.now.date(), managers=5, workers=20, women=9)
    assert reads_of(classroom) == 1  # the participant limit
    assert reads_of(RecordCoachingVisit(firm, story.now.date(), "first visit")) == 0
