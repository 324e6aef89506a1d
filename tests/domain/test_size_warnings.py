"""A size warning carries a code and its params, as a refusal does, so that people read it in
their own language; one recorded before warnings had a code keeps its words as recorded."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from domain.enterprise import Enterprise, EnterpriseDetails, SmeSize, size_warning
from domain.journey.aggregate import Journey
from domain.size_warnings import SIZE_WARNING, SizeWarning
from domain.values import Actor, Role

NOW = datetime(2026, 12, 1, tzinfo=UTC)
HQ = Actor("office", Role.HQ)
OLD_WORDS = "300 employees is outside the SCORE target of 50–250 (small and medium enterprises)."


def test_a_firm_outside_the_range_is_warned_with_a_code_its_params_and_an_english_sentence() -> (
    None
):
    warning = size_warning(300, SmeSize(20, 200, policy_version=3))
    assert warning is not None and warning.code == SIZE_WARNING
    assert warning.params == {
        "employees": 300,
        "min_employees": 20,
        "max_employees": 200,
        "policy_version": 3,
    }
    assert warning.detail == (
        "300 employees is outside the SCORE target of 20–200 "
        "(small and medium enterprises; policy version 3)."
    )
    assert size_warning(200, SmeSize(20, 200, policy_version=3)) is None


def test_a_registration_records_the_code_and_params_not_the_words() -> None:
    details = EnterpriseDetails("Tannery of the Valley", "PK", "leather", 300, 40)
    enterprise = Enterprise.register(uuid.uuid4(), details, HQ, "c", NOW)
    (registered,) = enterprise.collect_events()
    assert isinstance(registered, Enterprise.Registered)
    assert registered.size_warning == {
        "code": SIZE_WARNING,
        "params": {
            "employees": 300,
            "min_employees": 50,
            "max_employees": 250,
            "policy_version": 0,
        },
    }
    assert registered.size_warning_as_recorded is None
    assert enterprise.state.size_warning == size_warning(300)


def test_a_selection_stored_with_its_warning_as_text_keeps_the_text_as_recorded() -> None:
    state: dict[str, Any] = {"enterprise_id": "e-1", "size_warning": OLD_WORDS}
    Journey.EnterpriseSelected.upcast_v2_v3(state)
    assert state == {
        "enterprise_id": "e-1",
        "size_warning": None,
        "size_warning_as_recorded": OLD_WORDS,
    }
    warning = SizeWarning.from_event(state["size_warning"], state["size_warning_as_recorded"])
    assert warning == SizeWarning(OLD_WORDS, code=None, params={})


def test_a_selection_stored_before_warnings_at_selection_has_none_after_both_upcasts() -> None:
    state: dict[str, Any] = {"enterprise_id": "e-1"}
    Journey.EnterpriseSelected.upcast_v1_v2(state)
    Journey.EnterpriseSelected.upcast_v2_v3(state)
    assert SizeWarning.from_event(state["size_warning"], state["size_warning_as_recorded"]) is None


def test_an_enterprise_registered_or_edited_with_its_warning_as_text_keeps_it_as_recorded() -> None:
    for upcast in (Enterprise.Registered.upcast_v2_v3, Enterprise.DetailsEdited.upcast_v1_v2):
        state: dict[str, Any] = {"size_warning": OLD_WORDS}
        upcast(state)
        assert state == {"size_warning": None, "size_warning_as_recorded": OLD_WORDS}


def test_a_warning_read_back_from_its_event_fields_is_the_warning_given() -> None:
    warning = size_warning(30)
    assert warning is not None
    assert SizeWarning.from_event(warning.recorded(), None) == warning
    assert SizeWarning.as_recorded(OLD_WORDS).recorded() is None
