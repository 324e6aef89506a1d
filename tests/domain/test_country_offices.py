"""A country office is an office user scoped to countries: it acts on and sees only what
belongs to them, and leaves the audit to headquarters (the office scoped to none)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain import policy
from domain.errors import NotPermitted, StandingRuleViolated
from domain.policy import About, Action
from domain.trainer.rules import check_standing_step
from domain.trainer.state import TrainerState
from domain.trainer.steps import Reinstate
from domain.values import Actor, Role

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

HEADQUARTERS = Actor("hq", Role.HQ)
INDIA_OFFICE = Actor("office-in", Role.HQ, ("IN",))
SOUTH_ASIA_OFFICE = Actor("office-south-asia", Role.HQ, ("IN", "LK"))
SRI_LANKA_OFFICE = Actor("office-lk", Role.HQ, ("LK",))
IN_INDIA = About(trainer_id="cand", countries=frozenset({"IN"}))

OFFICE_ACTIONS = [
    Action.REGISTER_TRAINER,
    Action.SCHEDULE_WORKSHOP,
    Action.REGISTER_ENTERPRISE,
    Action.ENROL,
    Action.CERTIFY,
    Action.WITHDRAW,
    Action.SUBMIT_TRAINING_RECORD,
    Action.REMOVE_FOR_CAUSE,
    Action.REINSTATE,
    Action.READ_RECORD,
]


@pytest.mark.parametrize("action", OFFICE_ACTIONS)
def test_headquarters_and_the_countrys_offices_act_there_and_another_office_does_not(
    action: Action,
) -> None:
    assert policy.may(HEADQUARTERS, action, IN_INDIA)
    assert policy.may(INDIA_OFFICE, action, IN_INDIA)
    assert policy.may(SOUTH_ASIA_OFFICE, action, IN_INDIA)
    assert not policy.may(SRI_LANKA_OFFICE, action, IN_INDIA)
    with pytest.raises(NotPermitted, match="Your office works in LK; IN is another"):
        policy.require(SRI_LANKA_OFFICE, action, IN_INDIA)


def test_an_enrolment_across_two_countries_needs_both_in_the_office() -> None:
    across = About(workshop_expert="exp", countries=frozenset({"IN", "LK"}))
    assert policy.may(SOUTH_ASIA_OFFICE, Action.ENROL, across)
    assert not policy.may(INDIA_OFFICE, Action.ENROL, across)


def test_the_audit_is_for_headquarters_and_auditors_not_a_country_office() -> None:
    auditor = Actor("auditor", Role.AUDITOR)
    assert policy.may_pass_door(HEADQUARTERS, Action.READ_AUDIT)
    assert policy.may_pass_door(auditor, Action.READ_AUDIT)
    assert not policy.may_pass_door(INDIA_OFFICE, Action.READ_AUDIT)
    assert not policy.may(INDIA_OFFICE, Action.READ_AUDIT, IN_INDIA)


def test_a_country_office_passes_the_office_doors_and_reads_filtered_lists() -> None:
    for action in (Action.CERTIFY, Action.READ_STANDINGS, Action.READ_ANY_WORKLIST):
        assert policy.may_pass_door(INDIA_OFFICE, action)
    assert policy.countries_seen(INDIA_OFFICE) == frozenset({"IN"})
    assert policy.countries_seen(HEADQUARTERS) is None


def test_a_scope_limits_only_office_users_whose_grants_it_narrows() -> None:
    """Trainers and experts carry no countries: their grants alone decide."""
    candidate = Actor("cand", Role.TRAINER)
    assert policy.may(candidate, Action.READ_RECORD, IN_INDIA)
    assert policy.countries_seen(candidate) is None


def test_a_standing_workflow_holding_free_text_from_before_still_lets_the_countrys_office_act() -> (
    None
):
    """A standing workflow started before countries were codes carries "India" in its state."""
    held = TrainerState("cand", "Asha", "asha@example.org", "India")
    reinstate = Reinstate(reason="The review found no fault")
    with pytest.raises(StandingRuleViolated):  # past the actor check: a rule of standing
        check_standing_step(held, reinstate, INDIA_OFFICE, NOW)
    with pytest.raises(NotPermitted):
        check_standing_step(held, reinstate, SRI_LANKA_OFFICE, NOW)
