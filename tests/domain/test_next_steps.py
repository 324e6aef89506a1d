"""The steps a journey offers as forms are exactly steps its rules accept, and the one it waits
for agrees with the sentence of its next action."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import DomainError
from domain.journey import rules
from domain.journey.next_steps import StepOpen, awaited, open_steps, pending_step
from domain.journey.state import JourneyState
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
from domain.values import Actor, Role
from tests.domain.test_journey_properties import (
    CANDIDATE,
    DAY,
    ENTERPRISES,
    EXPERT,
    HQ,
    START,
    draw_command,
    new_journey,
)

ACTOR_FOR = {Role.EXPERT: EXPERT, Role.TRAINER: CANDIDATE, Role.HQ: HQ}


def well_formed(offered: StepOpen, state: JourneyState) -> JourneyStep | None:
    """The step a person would send through the offered form, filled in sensibly."""
    firm = offered.enterprise_id or ""
    chosen = {e.enterprise_id for e in state.cycle.enterprises} if state.cycle else set()
    unchosen = [e for e in ENTERPRISES if e not in chosen]
    steps: dict[str, JourneyStep | None] = {
        "tot_result": RecordToTResult(attended=True, completed=True),
        "select_enterprise": SelectEnterprise(unchosen[0]) if unchosen else None,
        "baseline_assessment": RecordBaselineAssessment(firm, DAY, {"productivity": 100.0}),
        "classroom_workshop": DeliverClassroomWorkshop(DAY, 4, 8, 5),
        "coaching_visit": RecordCoachingVisit(firm, DAY),
        "progress_report": ReportProgress(firm, {"productivity": 120.0}),
        "assessment": AssessCycle("not_recommended" if state.provisional_given else "provisional"),
        "certification": Certify(),
        "withdrawal": Withdraw("moved away"),
    }
    return steps[offered.kind]


def accepted(state: JourneyState, step: JourneyStep, actor: Actor) -> bool:
    try:
        rules.check(state, step, actor, limit_at=rules.default_limit)
    except DomainError:
        return False
    return True


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_every_step_offered_is_one_the_rules_accept_and_the_next_agrees(
    data: st.DataObject,
) -> None:
    journey = new_journey()
    for n in range(data.draw(st.integers(0, 40), label="commands")):
        state = journey.state
        pending = pending_step(state)
        sentence = rules.next_action(state)
        assert (pending.who if pending else None) == sentence.who
        waiting = awaited(state, timedelta(days=60))
        assert (waiting.who, waiting.what) == (sentence.who, sentence.what)
        assert waiting.step == (pending.kind if pending else None)
        assert waiting.enterprise_id == (pending.enterprise_id if pending else None)
        due = (state.last_step_at + timedelta(days=60)).date()
        assert waiting.due_on == (due if pending else None), "a deadline while it waits"
        offered = open_steps(state)
        assert not pending or offered[0] == pending, "the step waited for is offered first"
        for step_open in offered:
            step = well_formed(step_open, state)
            if step is not None:
                actor = ACTOR_FOR[step_open.who]
                assert accepted(state, step, actor), f"{step_open} offered but refused"
        step, actor = draw_command(data, journey)
        try:
            journey.take(step, actor, f"cmd-{n}", START + timedelta(days=n + 1))
        except DomainError:
            continue
