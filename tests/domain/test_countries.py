"""Countries are ISO 3166-1 alpha-2 codes: given as codes, refused as names (with the code to
use), and the free text of events an earlier release stored is read as the code it names."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.countries import (
    UNKNOWN_COUNTRY,
    code_for_recorded_text,
    country_code,
    country_codes_given,
    upcast_country,
)
from domain.enterprise import Enterprise, EnterpriseDetails
from domain.errors import InvalidInput
from domain.trainer.aggregate import Trainer
from domain.values import Actor, Role
from domain.workshop import ToTWorkshop

HQ = Actor("office", Role.HQ)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("typed", ["IN", "in", " In ", "iN"])
def test_a_code_in_any_case_is_recorded_in_capitals(typed: str) -> None:
    assert country_code("country", typed) == "IN"


@pytest.mark.parametrize(
    ("typed", "code"),
    [("India", "IN"), ("Inde", "IN"), ("IND", "IN"), ("Viet Nam", "VN"), ("Sri Lanka", "LK")],
)
def test_a_countrys_name_is_refused_naming_the_code_to_use(typed: str, code: str) -> None:
    with pytest.raises(InvalidInput, match=rf"^country: .*use {code}") as refused:
        country_code("country", typed)
    assert "ISO 3166-1 alpha-2" in refused.value.reason


def test_a_misspelt_name_is_answered_with_the_closest_country() -> None:
    with pytest.raises(InvalidInput, match="did you mean IN"):
        country_code("country", "Indai")


@pytest.mark.parametrize("typed", ["Atlantis", UNKNOWN_COUNTRY, "XX", ""])
def test_text_that_names_no_country_is_refused_with_an_example(typed: str) -> None:
    with pytest.raises(InvalidInput, match=r"^country: "):
        country_code("country", typed)


def test_a_country_offices_codes_are_given_as_a_list() -> None:
    assert country_codes_given("countries", "lk, IN,in") == ("IN", "LK")
    with pytest.raises(InvalidInput, match="use IN"):
        country_codes_given("countries", "LK,India")
    with pytest.raises(InvalidInput, match="at least one"):
        country_codes_given("countries", " , ")


@pytest.mark.parametrize(
    ("recorded", "code"),
    [
        ("India", "IN"),
        ("india", "IN"),
        ("IN", "IN"),
        ("Inde", "IN"),
        ("Viêt Nam", "VN"),
        ("viet-nam", "VN"),
        ("Colombia", "CO"),
        ("Republic of India", "IN"),
        ("Ind\u200bia", "IN"),  # an invisible character, as the read models drop it
    ],
)
def test_free_text_of_an_earlier_release_reads_as_the_code_it_names(
    recorded: str, code: str
) -> None:
    assert code_for_recorded_text(recorded) == code


def test_free_text_that_names_no_country_reads_as_the_reserved_code_keeping_the_text() -> None:
    state: dict[str, Any] = {"country": "Atlantis"}
    upcast_country(state)
    assert state == {"country": UNKNOWN_COUNTRY, "country_as_recorded": "Atlantis"}


def test_new_records_hold_the_code_and_nothing_recorded_before() -> None:
    trainer = Trainer.register(uuid.uuid4(), "Asha", "asha@example.org", "in", False, HQ, "c", NOW)
    assert trainer.state.country == "IN"
    (registered,) = trainer.collect_events()
    assert isinstance(registered, Trainer.Registered)
    assert registered.country_as_recorded is None

    details = EnterpriseDetails("Auto Parts", "lk", "auto", 120, 30)
    enterprise = Enterprise.register(uuid.uuid4(), details, HQ, "c", NOW)
    assert enterprise.state.details.country == "LK"


@pytest.mark.parametrize(
    "event", [Trainer.Registered, Enterprise.Registered, ToTWorkshop.Scheduled]
)
def test_each_event_that_records_a_country_upcasts_its_first_version(event: Any) -> None:
    assert event.class_version >= 2  # the enterprise's v3 changed its size warning
    state: dict[str, Any] = {"country": "Inde"}
    event.upcast_v1_v2(state)
    assert state == {"country": "IN", "country_as_recorded": "Inde"}
