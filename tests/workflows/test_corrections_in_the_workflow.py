"""A correction met by the journey workflow's validator: judged on the state the workflow
carries, unless that state is from before corrections (it keeps no steps): then the store's
state judges it, in the activity."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from domain.errors import StepNotAllowed
from domain.journey.state import JourneyState, RecordedStep, Stage, ToECycle
from domain.journey.steps import RecordToTResult, VoidStep
from domain.values import Actor, Module, Role
from workflows.journey import CertificationJourney
from workflows.messages import JourneyInput, ReminderPolicy, StepRequest

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
CARRIED_FROM_BEFORE = JourneyState(
    "journey", "candidate", Module.WC, "ws", "expert", T0, T0, Stage.TOE_CYCLE, ToECycle(1)
)
VOID = StepRequest(VoidStep(5, "recorded twice"), Actor("expert", Role.EXPERT))


def workflow_carrying(state: JourneyState) -> CertificationJourney:
    return CertificationJourney(JourneyInput("candidate", Module.WC, ReminderPolicy(), state))


def test_a_correction_is_judged_on_the_workflows_state_unless_it_keeps_no_steps() -> None:
    tot = RecordedStep(2, RecordToTResult(attended=True, completed=True), T0, "expert")
    with_steps = workflow_carrying(replace(CARRIED_FROM_BEFORE, recorded=(tot,)))
    with pytest.raises(StepNotAllowed, match="no step at position 5"):
        with_steps._judge(VOID)
    # The same request meets a state carried from before corrections: it passes the
    # validator, and the activity judges it on the store's state, which has every step.
    workflow_carrying(CARRIED_FROM_BEFORE)._judge(VOID)
