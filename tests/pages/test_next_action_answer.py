"""A step's JSON answer says what comes next as a sentence and as data: the step, who, the
enterprise by id and name, and the day it is due."""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.journey.state import EnterpriseProgress, JourneyState, Stage, ToECycle
from domain.values import Module
from service.http.schemas import journey_body

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_the_next_action_names_the_step_the_enterprise_and_the_due_day() -> None:
    state = JourneyState(
        journey_id="j1",
        trainer_id="t1",
        module=Module.WC,
        workshop_id="w1",
        expert_id="x1",
        enrolled_at=AT,
        last_step_at=AT,
        stage=Stage.TOE_CYCLE,
        cycle=ToECycle(1, (EnterpriseProgress("e1"),)),
    )
    body = journey_body(state, {"e1": "Faridabad Gears"}, date(2026, 5, 1))
    assert body["next_action"] == {
        "who": "trainer",
        "what": "baseline assessment of Faridabad Gears",
        "step": "baseline_assessment",
        "enterprise_id": "e1",
        "enterprise_name": "Faridabad Gears",
        "due_on": "2026-05-01",
    }


def test_an_ended_journey_waits_for_nothing() -> None:
    state = JourneyState(
        journey_id="j1",
        trainer_id="t1",
        module=Module.WC,
        workshop_id="w1",
        expert_id="x1",
        enrolled_at=AT,
        last_step_at=AT,
        stage=Stage.WITHDRAWN,
    )
    action = journey_body(state, due_on=date(2026, 5, 1))["next_action"]
    assert action["who"] is None and action["step"] is None and action["due_on"] is None
