"""Random sequences of commands never break the journey's invariants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from domain import ids
from domain.errors import DomainError
from domain.journey import rules
from domain.journey.aggregate import Journey
from domain.journey.state import Stage
from domain.journey.steps import (
    AssessCycle,
    Certify,
    DeliverClassroomWorkshop,
    JourneyStep,
    RecordBaselineAssessment,
    RecordCoachingVisit,
    RecordToTResult,
    ReportProgress,
    SelectEnterprise,
    Withdraw,
)
from domain.values import Actor, Module, Role

START = datetime(2026, 1, 5, tzinfo=UTC)
CANDIDATE = Actor("candidate", Role.TRAINER)
EXPERT = Actor("expert", Role.EXPERT)
HQ = Actor("hq", Role.HQ)
OUTSIDER = Actor("someone-else", Role.EXPERT)
ENTERPRISES = ["e1", "e2"]
DAY = date(2026, 3, 1)

enterprise = st.sampled_from(ENTERPRISES)
indicators = st.fixed_dictionaries({"productivity": st.floats(0, 500), "defects": st.floats(0, 50)})
steps: st.SearchStrategy[JourneyStep] = st.one_of(
    st.builds(RecordToTResult, attended=st.booleans(), completed=st.booleans()),
    st.builds(SelectEnterprise, enterprise),
    st.builds(RecordBaselineAssessment, enterprise, st.just(DAY), indicators),
    st.builds(
        DeliverClassroomWorkshop,
        st.just(DAY),
        st.integers(-1, 9),
        st.integers(0, 9),
        st.integers(0, 12),
    ),
    st.builds(RecordCoachingVisit, enterprise, st.just(DAY)),
    st.builds(ReportProgress, enterprise, indicators),
    st.builds(AssessCycle, st.sampled_from(["recommended", "provisional", "not_recommended"])),
    st.just(Certify()),
    st.builds(Withdraw, st.sampled_from(["", "moved away"])),
)
actors = st.sampled_from([CANDIDATE, EXPERT, HQ, OUTSIDER])

# Well-formed commands by the right people, so that random sequences get far into journeys
# (the domain still decides); mixed with arbitrary ones by anybody.
WELL_FORMED: list[tuple[JourneyStep, Actor]] = [
    (RecordToTResult(attended=True, completed=True), EXPERT),
    *[(SelectEnterprise(e), CANDIDATE) for e in ENTERPRISES],
    *[(RecordBaselineAssessment(e, DAY, {"productivity": 100.0}), CANDIDATE) for e in ENTERPRISES],
    (DeliverClassroomWorkshop(DAY, 4, 8, 5), CANDIDATE),
    *[(RecordCoachingVisit(e, DAY), EXPERT) for e in ENTERPRISES],
    *[(ReportProgress(e, {"productivity": 120.0}), CANDIDATE) for e in ENTERPRISES],
    *[(AssessCycle(o), EXPERT) for o in ("recommended", "provisional", "not_recommended")],
    (Certify(), HQ),
]


def acceptable_now(journey: Journey) -> list[tuple[JourneyStep, Actor]]:
    """The well-formed commands the journey would take now: a guide, so runs get far."""
    accepted = []
    for step, actor in WELL_FORMED:
        try:
            rules.check(journey.state, step, actor, limit_at=rules.default_limit)
        except DomainError:
            continue
        accepted.append((step, actor))
    return accepted or WELL_FORMED


def draw_command(data: st.DataObject, journey: Journey) -> tuple[JourneyStep, Actor]:
    """Mostly a command that moves the journey on; sometimes anything, by anybody."""
    if data.draw(st.integers(0, 9)) < 7:
        return data.draw(st.sampled_from(acceptable_now(journey)))
    return data.draw(st.tuples(steps, actors))


def new_journey() -> Journey:
    journey_id = ids.journey_id("candidate", Module.WC, 1)
    return Journey.enrol(journey_id, "candidate", Module.WC, "w1", "expert", HQ, "enrol", START)


def replay(events: list[Any]) -> Journey:
    aggregate = None
    for recorded in events:
        aggregate = recorded.mutate(aggregate)
    assert isinstance(aggregate, Journey)
    return aggregate


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_random_commands_never_break_the_invariants(data: st.DataObject) -> None:
    journey = new_journey()
    recorded: list[Any] = list(journey.collect_events())
    assessed: list[str] = []
    for n in range(data.draw(st.integers(0, 60), label="commands")):
        step, actor = draw_command(data, journey)
        version = journey.version
        try:
            journey.take(step, actor, f"cmd-{n}", START + timedelta(days=n + 1))
        except DomainError:
            assert journey.version == version, "a refused command must record nothing"
            continue
        recorded.extend(journey.collect_events())
        if isinstance(step, AssessCycle):
            assessed.append(step.outcome)

        state = journey.state
        assert state.cycles_started <= 2, "never more than two ToE cycles per journey"
        assert assessed.count("provisional") <= 1, "never a second provisional outcome"
        if state.stage is Stage.CERTIFIED:
            assert assessed[-1] == "recommended", "never certified without 'recommended'"

    event(f"reached {journey.state.stage.value}, {journey.state.cycles_started} cycles")
    assert replay(recorded).state == journey.state, "rebuilding from events gives the same state"
    assert replay(recorded).applied == journey.applied
