"""Who may do or see what, as one table: every action × every principal → allowed or not.

The principals are defined by role and relation to one subject: a candidate ("candidate")
supervised by "expert", enrolled in a workshop run by "workshop_expert". The role matrix
(tests/e2e/test_role_matrix.py) checks that every HTTP path asks this policy.
"""

from __future__ import annotations

from datetime import date

import pytest

from domain import policy
from domain.errors import NotPermitted
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
from domain.policy import About, Action, Relation
from domain.trainer.steps import Reinstate, RemoveForCause, StandingStep, SubmitTrainingRecord
from domain.values import SYSTEM_ACTOR, Actor, Role

DAY = date(2026, 3, 2)
# The candidate recorded the step a correction is about.
SUBJECT = About(
    trainer_id="cand", supervisors=frozenset({"exp"}), workshop_expert="wexp", recorded_by="cand"
)

PRINCIPALS: dict[str, Actor] = {
    "office": Actor("office", Role.HQ),
    "auditor": Actor("auditor", Role.AUDITOR),
    "candidate": Actor("cand", Role.TRAINER),  # the trainer the record is of
    "other_trainer": Actor("t2", Role.TRAINER),
    "expert": Actor("exp", Role.EXPERT),  # supervises the candidate
    "workshop_expert": Actor("wexp", Role.EXPERT),  # runs the workshop
    "other_expert": Actor("e2", Role.EXPERT),  # neither
    "expert_as_trainer": Actor("cand", Role.EXPERT),  # an expert whose own record it is
    "system": SYSTEM_ACTOR,
}

OFFICE = {"office"}
AUDIT = {"office", "auditor"}
EXPERTS = {"expert", "workshop_expert", "other_expert", "expert_as_trainer"}
STEPPERS = {"candidate", "expert"}

ALLOWED: dict[Action, set[str]] = {
    Action.REGISTER_TRAINER: OFFICE,
    Action.EDIT_TRAINER: OFFICE,
    Action.MERGE_TRAINERS: OFFICE,
    Action.ERASE_PERSONAL_DATA: OFFICE,
    Action.REASSIGN_EXPERT: OFFICE,
    Action.BACKDATE_ENROLMENT: OFFICE,
    Action.SCHEDULE_WORKSHOP: OFFICE,
    Action.CHANGE_WORKSHOP: OFFICE,
    Action.EDIT_ENTERPRISE: OFFICE,
    Action.REGISTER_ENTERPRISE: OFFICE | EXPERTS | {"candidate", "other_trainer"},
    Action.ENROL: {"office", "workshop_expert"},
    Action.RECORD_TOT_RESULT: {"expert"},
    Action.SELECT_ENTERPRISE: STEPPERS,
    Action.RECORD_BASELINE_ASSESSMENT: STEPPERS,
    Action.DELIVER_CLASSROOM_WORKSHOP: STEPPERS,
    Action.RECORD_COACHING_VISIT: STEPPERS,
    Action.REPORT_PROGRESS: STEPPERS,
    Action.ASSESS_CYCLE: {"expert"},
    Action.CERTIFY: OFFICE,
    Action.WITHDRAW: OFFICE | STEPPERS,
    Action.AMEND_STEP: OFFICE | STEPPERS | {"expert_as_trainer"},
    Action.VOID_STEP: OFFICE | STEPPERS | {"expert_as_trainer"},
    Action.SUBMIT_TRAINING_RECORD: {"office", "candidate"},
    Action.REMOVE_FOR_CAUSE: OFFICE,
    Action.REINSTATE: OFFICE,
    Action.OPEN_MATERIALS: {"candidate"},
    Action.IMPORT_PAST_RECORDS: OFFICE,
    Action.CHANGE_POLICY: OFFICE,
    Action.READ_RECORD: AUDIT | STEPPERS | {"expert_as_trainer"},
    Action.READ_STANDINGS: AUDIT,
    Action.READ_WORKLIST: AUDIT | EXPERTS,
    Action.READ_ANY_WORKLIST: AUDIT,
    Action.SEE_WORKSHOP_EXPERT: AUDIT | {"workshop_expert"},
    Action.READ_AUDIT: AUDIT,
    Action.DOWNLOAD_CREDENTIAL: AUDIT | {"candidate", "expert_as_trainer"},
    Action.REISSUE_CREDENTIAL: OFFICE,
    Action.MANAGE_WEBHOOKS: OFFICE,
    Action.MANAGE_LOGINS: OFFICE,
    Action.SEARCH_PEOPLE: AUDIT,
    Action.LIST_JOURNEYS: AUDIT | EXPERTS,
    Action.READ_MESSAGES: OFFICE,
    Action.MANAGE_MATERIALS: OFFICE,
}


def test_the_table_names_every_action() -> None:
    assert set(ALLOWED) == set(Action) == set(policy.RULES)


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("action", list(Action))
def test_who_may(action: Action, principal: str) -> None:
    actor = PRINCIPALS[principal]
    allowed = principal in ALLOWED[action]
    assert policy.may(actor, action, SUBJECT) is allowed
    if allowed:
        policy.require(actor, action, SUBJECT)
    else:
        with pytest.raises(NotPermitted) as refused:
            policy.require(actor, action, SUBJECT)
        assert str(refused.value) == policy.RULES[action].refusal


@pytest.mark.parametrize("action", list(Action))
def test_a_door_lets_in_exactly_the_roles_some_principal_is_allowed_with(action: Action) -> None:
    """A route's role gate comes from the same table: no role passes it that the table
    refuses whatever its relation, and none is stopped that some relation allows."""
    roles = {PRINCIPALS[p].role for p in ALLOWED[action]}
    assert policy.roles_for(action) == roles


def test_a_relation_needs_the_record_to_name_the_actor() -> None:
    """With nothing known about the record, only the grants that need no relation apply."""
    assert not policy.may(PRINCIPALS["expert"], Action.RECORD_TOT_RESULT)
    assert not policy.may(PRINCIPALS["candidate"], Action.OPEN_MATERIALS)
    assert policy.may(PRINCIPALS["office"], Action.CERTIFY)


def test_a_journey_is_about_its_candidate_and_their_expert() -> None:
    about = About.journey("cand", "exp")
    assert policy.relations(PRINCIPALS["expert"], about) == {
        Relation.ANY,
        Relation.SUPERVISING_EXPERT,
    }
    assert policy.relations(PRINCIPALS["candidate"], about) == {Relation.ANY, Relation.OWN_RECORD}
    assert About.journey("cand", None).supervisors == frozenset()


def test_only_a_supervisor_role_reads_through_supervision() -> None:
    granting = policy.relations_granting
    assert granting(Role.EXPERT, Action.READ_RECORD) == {
        Relation.OWN_RECORD,
        Relation.SUPERVISING_EXPERT,
    }
    assert Relation.SUPERVISING_EXPERT not in granting(Role.TRAINER, Action.READ_RECORD)
    assert granting(Role.SYSTEM, Action.READ_RECORD) == frozenset()


@pytest.mark.parametrize(
    "step",
    [
        RecordToTResult(attended=True, completed=True),
        SelectEnterprise("e"),
        RecordBaselineAssessment("e", DAY),
        DeliverClassroomWorkshop(DAY, 1, 1, 0),
        RecordCoachingVisit("e", DAY),
        ReportProgress("e"),
        AssessCycle("recommended"),
        Certify(),
        Withdraw("moved"),
        SubmitTrainingRecord(DAY, "WC", 1, 1),
        RemoveForCause("conduct", "why"),
        Reinstate("why"),
    ],
    ids=lambda step: step.kind,
)
def test_every_step_is_an_action_of_the_policy(step: JourneyStep | StandingStep) -> None:
    """The domain asks the policy by the step's kind: each kind must name an action."""
    assert Action(step.kind) in policy.RULES
