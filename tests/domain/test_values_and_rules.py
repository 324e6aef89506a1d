"""Pure rules and values: calendar months, indicators, what comes next."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.calendar import add_months
from domain.errors import InvalidInput
from domain.indicators import improvement, validate_indicators
from domain.journey.rules import next_action
from domain.journey.state import EnterpriseProgress, JourneyState, Stage, ToECycle
from domain.values import Module, Role

T0 = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)


def test_months_are_calendar_months_clamped_to_the_month_end() -> None:
    assert add_months(T0, 1) == datetime(2026, 2, 28, 12, 0, tzinfo=UTC)
    assert add_months(T0, 12) == datetime(2027, 1, 31, 12, 0, tzinfo=UTC)
    assert add_months(T0, 13) == datetime(2027, 2, 28, 12, 0, tzinfo=UTC)


def test_improvement_is_positive_when_the_indicator_gets_better() -> None:
    assert improvement("productivity", 100, 130) == pytest.approx(30.0)
    assert improvement("defects", 8, 4) == pytest.approx(50.0)
    assert improvement("accidents", 0, 2) is None


def test_indicators_are_known_finite_and_not_negative() -> None:
    assert validate_indicators({"productivity": 3}) == {"productivity": 3.0}
    for bad, reason in [
        ({}, "at least one"),
        ({"mood": 1.0}, "Unknown indicator"),
        ({"defects": -1.0}, "finite number"),
        ({"defects": float("nan")}, "finite number"),
    ]:
        with pytest.raises(InvalidInput, match=reason):
            validate_indicators(bad)


def journey(stage: Stage, cycle: ToECycle | None = None) -> JourneyState:
    return JourneyState("j", "t", Module.WC, "w", "e", T0, T0, stage=stage, cycle=cycle)


def test_next_action_names_who_must_act_and_what_they_must_do() -> None:
    assert next_action(journey(Stage.ENROLLED)).who is Role.EXPERT
    half_done = ToECycle(1, (EnterpriseProgress("acme", baseline={"productivity": 1.0}),))
    action = next_action(journey(Stage.TOE_CYCLE, half_done))
    assert (action.who, action.what) == (Role.TRAINER, "deliver the classroom workshop")
    assert next_action(journey(Stage.RECOMMENDED)).who is Role.HQ
    assert next_action(journey(Stage.WITHDRAWN)).who is None
