"""Corrections as events: a recorded ToE step amended or voided, with a reason, by whoever
recorded it, the candidate's expert or the office; the rules judged again on the result."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from domain.errors import InvalidInput, NotPermitted, StepNotAllowed, StepOutOfOrder
from domain.journey import rules
from domain.journey.aggregate import Journey
from domain.journey.rules import next_action
from domain.journey.state import Stage
from domain.journey.steps import (
    AmendStep,
    AssessCycle,
    Certify,
    DeliverClassroomWorkshop,
    JourneyStep,
    RecordBaselineAssessment,
    RecordCoachingVisit,
    RecordToTResult,
    ReportProgress,
    SelectEnterprise,
    VoidStep,
)
from domain.values import Actor, Module, Role

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CANDIDATE = Actor("candidate", Role.TRAINER)
EXPERT = Actor("expert", Role.EXPERT)
OTHER_EXPERT = Actor("another-expert", Role.EXPERT)
HQ = Actor("hq-office", Role.HQ)
FIRM = "acme"
INDICATORS = {"productivity": 100.0, "defects": 8.0}

# The position each step below is recorded at (the enrolment is 1).
TOT, SELECTION, BASELINE, CLASSROOM, VISIT, REPORT, ASSESSMENT, CERTIFICATION = range(2, 10)


class Told:
    """One journey, its steps taken a day apart."""

    def __init__(self) -> None:
        self.now = T0
        self.journey = Journey.enrol(
            uuid.uuid4(), "candidate", Module.WC, "ws", "expert", HQ, "enrol", T0
        )

    def take(self, step: JourneyStep, actor: Actor = CANDIDATE) -> Told:
        self.now += timedelta(days=1)
        self.journey.take(step, actor, uuid.uuid4().hex, self.now)
        return self

    def through_the_report(self) -> Told:
        self.take(RecordToTResult(attended=True, completed=True), EXPERT)
        self.take(SelectEnterprise(FIRM))
        self.take(RecordBaselineAssessment(FIRM, date(2026, 3, 4), INDICATORS))
        self.take(DeliverClassroomWorkshop(date(2026, 3, 5), managers=4, workers=10, women=6))
        self.take(RecordCoachingVisit(FIRM, date(2026, 3, 6), notes="layout"))
        return self.take(ReportProgress(FIRM, {"productivity": 120.0, "defects": 6.0}))


def test_an_amended_visit_date_is_what_the_journey_holds_and_the_event_says_why() -> None:
    told = Told().through_the_report()
    told.take(AmendStep(VISIT, "typed March instead of April", visited_on=date(2026, 3, 7)))

    visit = told.journey.state.recorded_step(VISIT)
    assert visit is not None and visit.amended
    assert visit.step == RecordCoachingVisit(FIRM, date(2026, 3, 7), notes="layout")
    amended = told.journey.collect_events()[-1]
    assert isinstance(amended, Journey.StepAmended)
    assert (amended.step_version, amended.reason) == (VISIT, "typed March instead of April")


def test_a_correction_is_no_progress_the_stall_clock_stays_where_it_was() -> None:
    told = Told().through_the_report()
    last_step_at = told.journey.state.last_step_at
    told.take(AmendStep(REPORT, "a decimal slipped", indicators={"productivity": 112.0}))
    assert told.journey.state.last_step_at == last_step_at


def test_an_amended_baseline_replaces_its_indicators_where_the_cycle_reads_them() -> None:
    told = Told().through_the_report()
    told.take(AmendStep(BASELINE, "defects misread", indicators={"defects": 9.0}), EXPERT)
    assert told.journey.state.cycle is not None
    progress = told.journey.state.cycle.enterprise(FIRM)
    assert progress is not None and progress.baseline == {"defects": 9.0}


def test_a_second_baseline_is_still_refused_but_the_first_can_be_corrected() -> None:
    told = Told().through_the_report()
    with pytest.raises(StepNotAllowed, match="already had its baseline"):
        told.take(RecordBaselineAssessment(FIRM, date(2026, 3, 4), {"defects": 9.0}))
    told.take(AmendStep(BASELINE, "defects misread", indicators={"defects": 9.0}))


def test_a_voided_progress_report_no_longer_counts_and_the_cycle_waits_for_one() -> None:
    told = Told().through_the_report()
    told.take(VoidStep(REPORT, "reported for the wrong firm"), EXPERT)

    assert told.journey.state.cycle is not None
    progress = told.journey.state.cycle.enterprise(FIRM)
    assert progress is not None and (progress.reports, progress.latest) == (0, None)
    assert next_action(told.journey.state).what == f"progress report for {FIRM}"
    report = told.journey.state.recorded_step(REPORT)
    assert report is not None and report.voided


def test_voiding_the_baseline_under_coaching_visits_is_refused_with_the_rules_words() -> None:
    told = Told().through_the_report()
    version = told.journey.version
    with pytest.raises(StepOutOfOrder, match="Do the baseline assessment of acme before the"):
        told.take(VoidStep(BASELINE, "recorded twice"))
    assert told.journey.version == version  # nothing recorded


def test_a_visit_amended_to_before_the_classroom_workshop_is_refused() -> None:
    told = Told().through_the_report()
    with pytest.raises(StepOutOfOrder, match="would come before the classroom workshop") as e:
        told.take(AmendStep(VISIT, "wrong date", visited_on=date(2026, 3, 3)))
    assert e.value.code == "visit_before_classroom"
    assert e.value.reason.startswith(f"This correction of step {VISIT} (coaching visit)")


def test_a_classroom_workshop_moved_after_a_visit_is_refused() -> None:
    told = Told().through_the_report()
    with pytest.raises(StepOutOfOrder, match="before the classroom workshop"):
        told.take(AmendStep(CLASSROOM, "wrong day", held_on=date(2026, 3, 8)))


def test_an_amendment_names_values_the_step_has_and_keeps_their_own_limits() -> None:
    told = Told().through_the_report()
    for amendment, words in [
        (AmendStep(VISIT, "why"), "names at least one value"),
        (AmendStep(VISIT, "why", held_on=date(2026, 3, 6)), "has no held_on"),
        (AmendStep(SELECTION, "why", notes="x"), "has no notes"),
        (AmendStep(CLASSROOM, "why", women=40), "cannot be more than"),
        (AmendStep(REPORT, "why", indicators={"mood": 1.0}), "Unknown indicator"),
        (AmendStep(VISIT, "why", visited_on=date(2099, 1, 1)), "in the future"),
        (AmendStep(VISIT, "  "), "reason"),
    ]:
        with pytest.raises(InvalidInput, match=words):
            told.take(amendment)


def test_only_the_toe_records_are_corrected_and_only_once_voided() -> None:
    told = Told().through_the_report()
    for version, words in [
        (TOT, "a decision rather than a record"),
        (1, "no step at position 1"),
        (99, "no step at position 99"),
    ]:
        with pytest.raises(StepNotAllowed, match=words):
            told.take(VoidStep(version, "why"), HQ)
    told.take(VoidStep(REPORT, "twice"))
    with pytest.raises(StepNotAllowed, match="voided already"):
        told.take(VoidStep(REPORT, "twice"))


def test_whoever_recorded_the_step_its_expert_or_the_office_corrects_it_nobody_else() -> None:
    told = Told().through_the_report()
    told.take(AmendStep(VISIT, "by the candidate", notes="layout and 5S"), CANDIDATE)
    told.take(AmendStep(VISIT, "by the expert", notes="5S"), EXPERT)
    told.take(AmendStep(VISIT, "by the office", notes="5S, layout"), HQ)
    with pytest.raises(NotPermitted, match="whoever recorded the step"):
        told.take(AmendStep(VISIT, "by a stranger", notes="x"), OTHER_EXPERT)
    with pytest.raises(NotPermitted):
        told.take(AmendStep(VISIT, "by an auditor", notes="x"), Actor("a", Role.AUDITOR))


def test_once_the_journey_has_ended_nobody_corrects_it_not_even_the_office() -> None:
    told = Told().through_the_report()
    told.take(AssessCycle("recommended"), EXPERT).take(Certify(), HQ)
    recorded = told.journey.state

    for actor in (CANDIDATE, EXPERT, HQ):
        with pytest.raises(StepNotAllowed, match="can no longer be corrected") as refused:
            told.take(AmendStep(VISIT, "late fix", visited_on=date(2026, 3, 7)), actor)
        assert refused.value.code == "correction_after_close"
        assert refused.value.params == {"stage": "certified"}
    with pytest.raises(StepNotAllowed, match="has ended \\(certified\\)"):
        told.take(VoidStep(REPORT, "wrong firm"), HQ)
    assert told.journey.state == recorded


def test_a_recommendation_stands_on_its_reports_a_correction_cannot_pull_one_away() -> None:
    told = Told().through_the_report()
    told.take(AssessCycle("recommended"), EXPERT)
    with pytest.raises(StepOutOfOrder, match="ToE cycle 1 is not complete"):
        told.take(VoidStep(REPORT, "wrong firm"), HQ)
    assert told.journey.state.stage is Stage.RECOMMENDED


def test_a_step_recorded_under_an_earlier_rule_does_not_block_correcting_a_later_one() -> None:
    state = Told().through_the_report().journey.state
    # A classroom workshop recorded before today's limit on participants (today refused).
    crowded = DeliverClassroomWorkshop(date(2026, 3, 5), managers=400, workers=1_100, women=6)
    state = replace(
        state,
        recorded=tuple(
            replace(entry, step=crowded) if entry.version == CLASSROOM else entry
            for entry in state.recorded
        ),
    )

    fix = AmendStep(REPORT, "a decimal slipped", indicators={"productivity": 112.0})
    # The steps before the report are not judged again.
    rules.check(state, fix, CANDIDATE, limit_at=rules.default_limit)
    corrected = rules.evolve(state, fix, T0).recorded_step(REPORT)
    assert corrected is not None and corrected.amended
    # The old step itself is judged when it is the one corrected: by the rules of now (and
    # the participant limit in force at its own moment, here the default).
    amendment = AmendStep(CLASSROOM, "its date", held_on=date(2026, 3, 4))
    with pytest.raises(InvalidInput, match="more than the programme allows: at most 1000"):
        rules.check(state, amendment, HQ, limit_at=rules.default_limit)


def test_a_voided_selection_with_nothing_recorded_for_it_leaves_the_cycle() -> None:
    told = Told().through_the_report()
    fresh = Told()
    fresh.take(RecordToTResult(attended=True, completed=True), EXPERT)
    fresh.take(SelectEnterprise("beta")).take(SelectEnterprise(FIRM))
    fresh.take(VoidStep(SELECTION + 1, "chose the wrong firm"))
    assert fresh.journey.state.cycle is not None
    assert [e.enterprise_id for e in fresh.journey.state.cycle.enterprises] == ["beta"]
    with pytest.raises(StepOutOfOrder, match="not selected"):
        told.take(VoidStep(SELECTION, "wrong firm"))


def test_the_aggregate_read_back_from_its_events_holds_the_corrected_record() -> None:
    told = Told().through_the_report()
    told.take(AmendStep(VISIT, "wrong day", visited_on=date(2026, 3, 7)))
    told.take(VoidStep(REPORT, "wrong firm"))
    replayed: Journey | None = None
    for event in told.journey.collect_events():
        replayed = event.mutate(replayed)
    assert replayed is not None
    assert replayed.state == told.journey.state
