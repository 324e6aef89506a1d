"""Stories of candidates' journeys, told through the application on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import UUID

import pytest

from domain import ids
from domain.errors import (
    AlreadyCertified,
    FoundationCertificateRequired,
    InvalidInput,
    JourneyAlreadyOpen,
    JourneyClosed,
    NotPermitted,
    NotRecommended,
    SecondProvisionalRefused,
    StepNotAllowed,
    StepOutOfOrder,
    TryAgain,
)
from domain.journey.aggregate import Journey
from domain.journey.state import Stage
from domain.journey.steps import (
    Certify,
    DeliverClassroomWorkshop,
    RecordBaselineAssessment,
    RecordCoachingVisit,
    RecordToTResult,
    ReportProgress,
    SelectEnterprise,
    Withdraw,
)
from domain.values import Actor, Module, Role
from domain.workshop import WorkshopPlan
from service.app.certification import Certification
from tests.stories import BASELINE, PROGRESS, Story, new_id


@pytest.fixture
def story(app: Certification) -> Story:
    return Story(app)


def events_written(app: Certification) -> int:
    return app.recorder.max_notification_id() or 0


def test_a_candidate_goes_from_registration_to_a_certificate(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()

    trainer = story.certified_in(Module.WC, candidate, expert)

    assert trainer.certified_modules == (Module.WC,)
    assert trainer.certificate_number is not None
    # Random, not a running number: nobody can walk the register by counting.
    assert re.fullmatch(r"SCORE-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}",
                        trainer.certificate_number)  # fmt: skip
    assert trainer.listed and trainer.open_journeys == {}


def test_each_certificate_number_is_unique(story: Story) -> None:
    expert = story.register_expert()
    numbers = {
        story.certified_in(Module.WC, story.register_candidate(), expert).certificate_number
        for _ in range(3)
    }
    assert len(numbers) == 3


def test_a_non_foundation_module_needs_a_foundation_certificate_first(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    workshop = story.schedule_workshop(Module.QUALITY, expert)
    before = events_written(story.app)

    with pytest.raises(FoundationCertificateRequired, match="first be certified in Workplace"):
        story.app.enrol(candidate.user_id, workshop, story.hq, new_id(), story.later())
    assert events_written(story.app) == before

    story.certified_in(Module.BASICS, candidate, expert)
    trainer = story.certified_in(Module.QUALITY, candidate, expert)
    assert trainer.certified_modules == (Module.BASICS, Module.QUALITY)


def test_a_later_module_adds_to_the_modules_without_a_new_certificate(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    first = story.certified_in(Module.WC, candidate, expert)
    later = story.certified_in(Module.OSH, candidate, expert)
    assert later.certificate_number == first.certificate_number
    assert later.certified_modules == (Module.WC, Module.OSH)


def test_only_one_open_journey_per_candidate_and_module(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    first = story.enrol(candidate, Module.WC, expert)
    next_workshop = story.schedule_workshop(Module.WC, expert)
    before = events_written(story.app)

    with pytest.raises(JourneyAlreadyOpen, match="already has an open WC journey"):
        story.app.enrol(candidate.user_id, next_workshop, story.hq, new_id(), story.later())
    assert events_written(story.app) == before

    story.step(first, Withdraw("moved abroad for a year"), candidate)
    second = story.enrol(candidate, Module.WC, expert)
    assert second.journey_id != first.journey_id and second.stage is Stage.ENROLLED


def test_the_journey_an_enrolment_opens_is_named_before_it_is_opened(story: Story) -> None:
    """The API names a journey's workflow after the journey, so it asks first which journey
    an enrolment opens; a retried enrolment names the journey it opened already."""
    expert, candidate = story.register_expert(), story.register_candidate()
    workshop = story.schedule_workshop(Module.WC, expert)
    first_ask = story.app.journey_to_open(candidate.user_id, Module.WC, "enrol-1")
    named = first_ask.journey_id
    assert first_ask.enrolled is None

    opened = story.app.enrol(
        candidate.user_id, workshop, story.hq, "enrol-1", story.later(), named
    ).state

    assert opened.journey_id == named
    asked_again = story.app.journey_to_open(candidate.user_id, Module.WC, "enrol-1")
    assert asked_again.journey_id == named and asked_again.enrolled == opened
    with pytest.raises(JourneyAlreadyOpen, match=f"open WC journey \\({named}\\)"):
        story.app.journey_to_open(candidate.user_id, Module.WC, "enrol-2")


def test_an_enrolment_that_names_a_journey_already_taken_is_told_to_resend(story: Story) -> None:
    """Two enrolments that race name the same journey; the one that comes second, after the
    first journey has already ended, opens nothing and is asked to send again."""
    expert, candidate = story.register_expert(), story.register_candidate()
    raced = story.app.journey_to_open(candidate.user_id, Module.WC, "enrol-a").journey_id
    first = story.enrol(candidate, Module.WC, expert)
    story.step(first, Withdraw("moved abroad for a year"), candidate)
    workshop = story.schedule_workshop(Module.WC, expert)
    before = events_written(story.app)

    with pytest.raises(TryAgain, match="send the enrolment again"):
        story.app.enrol(candidate.user_id, workshop, story.hq, "enrol-a", story.later(), raced)
    assert events_written(story.app) == before


def test_toe_steps_wait_for_a_completed_tot_workshop(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    enterprise = story.register_enterprise()
    with pytest.raises(StepOutOfOrder, match="ToT workshop result must be recorded"):
        story.step(journey, SelectEnterprise(enterprise), candidate)


def test_a_tot_not_completed_ends_the_journey(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    journey = story.step(journey, RecordToTResult(attended=True, completed=False), expert)
    assert journey.stage is Stage.TOT_NOT_COMPLETED
    assert story.app.trainer(candidate.user_id).open_journeys == {}
    with pytest.raises(JourneyClosed, match="enrol in a new ToT workshop"):
        story.step(journey, SelectEnterprise(story.register_enterprise()), candidate)


def test_visits_and_reports_need_a_selected_and_assessed_enterprise(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    journey = story.step(journey, RecordToTResult(attended=True, completed=True), expert)
    selected, stranger = story.register_enterprise(), story.register_enterprise()
    journey = story.step(journey, SelectEnterprise(selected), candidate)
    today = story.now.date()
    before = events_written(story.app)

    with pytest.raises(StepOutOfOrder, match=f"{stranger} is not selected"):
        story.step(journey, RecordCoachingVisit(stranger, today), candidate)
    with pytest.raises(StepOutOfOrder, match="needs its baseline assessment before coaching"):
        story.step(journey, RecordCoachingVisit(selected, today), candidate)
    with pytest.raises(StepOutOfOrder, match=f"baseline assessment of {selected}"):
        story.step(journey, DeliverClassroomWorkshop(today, 3, 9, 4), candidate)
    with pytest.raises(StepOutOfOrder, match=f"{stranger} is not selected"):
        story.step(journey, ReportProgress(stranger, PROGRESS), candidate)
    assert events_written(story.app) == before

    journey = story.step(journey, RecordBaselineAssessment(selected, today, BASELINE), candidate)
    with pytest.raises(StepOutOfOrder, match="Deliver the classroom workshop"):
        story.step(journey, RecordCoachingVisit(selected, today), candidate)
    journey = story.step(journey, DeliverClassroomWorkshop(today, 3, 9, 4), candidate)
    with pytest.raises(StepOutOfOrder, match="at least one coaching visit"):
        story.step(journey, ReportProgress(selected, PROGRESS), candidate)
    with pytest.raises(StepOutOfOrder, match="enterprises must be selected before it"):
        story.step(journey, SelectEnterprise(stranger), candidate)


def test_the_expert_assesses_only_a_complete_cycle(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    journey = story.step(journey, RecordToTResult(attended=True, completed=True), expert)
    with pytest.raises(StepOutOfOrder, match="not complete: select at least one enterprise"):
        story.assess(journey, expert, "recommended")


def test_provisional_allows_exactly_one_more_toe_cycle(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.ready_to_assess(candidate, expert)

    journey = story.assess(journey, expert, "provisional")
    assert journey.stage is Stage.TOE_CYCLE and journey.cycles_started == 2

    journey = story.run_cycle(journey, candidate)
    before = events_written(story.app)
    with pytest.raises(SecondProvisionalRefused, match="decide recommended or not_recommended"):
        story.assess(journey, expert, "provisional")
    assert events_written(story.app) == before

    journey = story.assess(journey, expert, "recommended")
    journey = story.step(journey, Certify(), story.hq)
    assert journey.stage is Stage.CERTIFIED and journey.cycles_started == 2


def test_certification_only_after_recommended(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.ready_to_assess(candidate, expert)
    before = events_written(story.app)
    with pytest.raises(NotRecommended, match="needs a 'recommended' assessment"):
        story.step(journey, Certify(), story.hq)
    assert events_written(story.app) == before

    journey = story.assess(journey, expert, "not_recommended")
    assert journey.stage is Stage.NOT_RECOMMENDED
    with pytest.raises(JourneyClosed):
        story.step(journey, Certify(), story.hq)
    assert story.app.trainer(candidate.user_id).certificate_number is None


def test_withdrawal_needs_a_reason_and_is_refused_after_certification(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    with pytest.raises(InvalidInput, match="reason: is empty; give the reason"):
        story.step(journey, Withdraw("   "), candidate)
    withdrawn = story.step(journey, Withdraw("changed employer"), expert)
    assert withdrawn.stage is Stage.WITHDRAWN and withdrawn.withdrawal_reason == "changed employer"

    other = story.register_candidate()
    story.certified_in(Module.WC, other, expert)
    certified_journey = str(ids.journey_id(other.user_id, Module.WC, attempt=1))
    with pytest.raises(AlreadyCertified, match="can no longer be changed or withdrawn"):
        story.app.take_step(certified_journey, Withdraw("oops"), story.hq, new_id(), story.later())


def test_experts_act_only_on_their_own_candidates(story: Story) -> None:
    expert, other_expert = story.register_expert(), story.register_expert("Omar Other")
    candidate, stranger = story.register_candidate(), story.register_candidate("Sam Stranger")
    journey = story.enrol(candidate, Module.WC, expert)
    with pytest.raises(NotPermitted, match="candidate's expert trainer"):
        story.step(journey, RecordToTResult(attended=True, completed=True), other_expert)
    with pytest.raises(NotPermitted, match="candidate's expert trainer"):
        story.step(journey, RecordToTResult(attended=True, completed=True), candidate)
    journey = story.step(journey, RecordToTResult(attended=True, completed=True), expert)
    with pytest.raises(NotPermitted, match="candidate or their expert"):
        story.step(journey, SelectEnterprise(story.register_enterprise()), stranger)
    with pytest.raises(NotPermitted, match="programme office"):
        story.step(journey, Certify(), Actor("someone", Role.AUDITOR))


def test_every_event_records_who_did_it_and_when(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    at = story.later(3)
    story.app.take_step(journey.journey_id, RecordToTResult(True, True), expert, "cmd-1", at)

    enrolled, tot = story.app.events.get(UUID(journey.journey_id))
    assert isinstance(enrolled, Journey.Enrolled) and isinstance(tot, Journey.ToTResultRecorded)
    assert (enrolled.actor_id, enrolled.actor_role) == ("hq-office", "hq")
    assert (tot.actor_id, tot.actor_role, tot.command_id) == (expert.user_id, "expert", "cmd-1")
    assert tot.timestamp == at


def test_a_repeated_command_appends_nothing_and_returns_the_first_result(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    workshop = story.schedule_workshop(Module.WC, expert)
    first = story.app.enrol(candidate.user_id, workshop, story.hq, "enrol-1", story.later())
    again = story.app.enrol(candidate.user_id, workshop, story.hq, "enrol-1", story.later())
    assert again.state == first.state and again.duplicate

    step = RecordToTResult(attended=True, completed=True)
    took = story.app.take_step(first.state.journey_id, step, expert, "tot-1", story.later())
    enterprise = story.register_enterprise()
    story.step(took.state, SelectEnterprise(enterprise), candidate)
    before = events_written(story.app)
    retried = story.app.take_step(first.state.journey_id, step, expert, "tot-1", story.later())
    assert retried.duplicate and retried.state == took.state
    assert events_written(story.app) == before


def test_a_stalled_journey_is_reminded_once_per_stall(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    remind = story.app.remind_stalled_journey
    sixty = timedelta(days=60)
    with pytest.raises(StepNotAllowed, match="not stalled"):
        remind(journey.journey_id, ["e@x"], "r-0", story.later(10), sixty)
    state = remind(journey.journey_id, ["e@x"], "r-1", story.later(60), sixty).state
    assert state.stall_reminded_for == journey.last_step_at
    with pytest.raises(StepNotAllowed, match="already been sent"):
        remind(journey.journey_id, ["e@x"], "r-2", story.later(30), sixty)


def test_an_implausible_classroom_count_is_refused_before_it_reaches_any_read_model(
    story: Story,
) -> None:
    """Three billion managers would be accepted by a bare integer check, then fail every
    read model's integer column, and stop the projector on that event for good."""
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    journey = story.step(journey, RecordToTResult(attended=True, completed=True), expert)
    selected = story.register_enterprise()
    journey = story.step(journey, SelectEnterprise(selected), candidate)
    today = story.now.date()
    before = events_written(story.app)
    with pytest.raises(InvalidInput, match="finite number from 0 to 1e"):
        huge = RecordBaselineAssessment(selected, today, {"productivity": 1e300})
        story.step(journey, huge, candidate)
    assert events_written(story.app) == before

    journey = story.step(journey, RecordBaselineAssessment(selected, today, BASELINE), candidate)
    before = events_written(story.app)
    with pytest.raises(InvalidInput, match="more than the programme allows"):
        story.step(journey, DeliverClassroomWorkshop(today, 3_000_000_000, 9, 4), candidate)
    assert events_written(story.app) == before


def test_a_tot_result_waits_for_the_workshop_to_take_place(story: Story) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    today = story.now.date()
    plan = WorkshopPlan(
        Module.WC, f"IND-WC-{new_id()[:6]}", today + timedelta(days=10),
        today + timedelta(days=14), "Faridabad", "IN", expert.user_id,
    )  # fmt: skip
    workshop = story.app.schedule_workshop(plan, story.hq, new_id(), story.later()).state
    journey = story.app.enrol(
        candidate.user_id, workshop.workshop_id, story.hq, new_id(), story.later()
    ).state
    before = events_written(story.app)

    with pytest.raises(StepNotAllowed, match=r"starts on .*record its result once it has begun"):
        story.step(journey, RecordToTResult(attended=False, completed=False), expert)
    story.later(7)  # each step moves the story on a day: this one lands in the workshop
    with pytest.raises(StepNotAllowed, match=r"runs until .*completed it once it has ended"):
        story.step(journey, RecordToTResult(attended=True, completed=True), expert)
    assert events_written(story.app) == before

    story.later(4)
    taken = story.step(journey, RecordToTResult(attended=True, completed=True), expert)
    assert taken.stage is Stage.TOE_CYCLE


def test_the_dates_of_a_cycle_follow_its_order(story: Story) -> None:
    """Baseline, then the classroom workshop, then coaching: the dates must agree."""
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    journey = story.step(journey, RecordToTResult(attended=True, completed=True), expert)
    firm = story.register_enterprise()
    journey = story.step(journey, SelectEnterprise(firm), candidate)
    story.later(20)
    baseline_on = story.now.date() - timedelta(days=5)
    journey = story.step(journey, RecordBaselineAssessment(firm, baseline_on, BASELINE), candidate)
    before = events_written(story.app)

    early = DeliverClassroomWorkshop(baseline_on - timedelta(days=1), 3, 9, 4)
    with pytest.raises(StepOutOfOrder, match="would come before the baseline assessment"):
        story.step(journey, early, candidate)
    held_on = baseline_on + timedelta(days=2)
    journey = story.step(journey, DeliverClassroomWorkshop(held_on, 3, 9, 4), candidate)
    written = events_written(story.app)
    with pytest.raises(StepOutOfOrder, match="would come before the classroom workshop"):
        story.step(journey, RecordCoachingVisit(firm, held_on - timedelta(days=1)), candidate)
    assert events_written(story.app) == written == before + 1

    visited = story.step(journey, RecordCoachingVisit(firm, held_on), candidate)
    assert visited.cycle is not None and visited.cycle.classroom_held_on == held_on
