"""Text a person typed: control, invisible and bidi characters are refused with 422 naming the
field, before any workflow call and without an event; every script's own letters get through,
and the read models (on PostgreSQL too) keep answering."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.e2e.harness import Stack
from tests.e2e.people import Cast, cast, enrolled, get, post


@pytest_asyncio.fixture
async def people(stack: Stack) -> AsyncIterator[Cast]:
    yield await cast(stack)


async def refused_text(stack: Stack, user: str, path: str, body: Any, field: str) -> str:
    """POST that must be refused with 422 naming `field`, writing no event; returns the detail."""
    before = stack.events()
    async with stack.client(user) as http:
        reply = await http.post(path, json=body)
    assert reply.status_code == 422, reply.text
    detail: str = reply.json()["detail"]
    assert detail.startswith(f"{field}:"), detail
    assert "type it again without it" in detail, detail
    assert stack.events() == before, "a refused request must write no event"
    return detail


def enterprise_body(name: str, **changes: Any) -> dict[str, Any]:
    body = {
        "name": name,
        "country": "IN",
        "sector": "auto components",
        "employees": 120,
        "women_employees": 30,
    }
    return {**body, **changes}


def trainer_body(name: str, **changes: Any) -> dict[str, Any]:
    body = {"name": name, "email": f"{uuid.uuid4().hex[:10]}@example.org", "country": "IN"}
    return {**body, **changes}


async def test_a_nul_byte_in_an_enterprise_name_is_refused_and_the_read_models_keep_up(
    stack: Stack, people: Cast
) -> None:
    detail = await refused_text(
        stack, people.candidate, "/enterprises", enterprise_body("Poison\u0000Works"), "name"
    )
    assert "(U+0000) at position 7" in detail
    # The projector was never given the byte: a later registration is read back at once.
    created = await post(stack, people.candidate, "/enterprises", enterprise_body("Sound Works"))
    enterprise = await get(stack, people.candidate, f"/enterprises/{created['enterprise_id']}")
    assert enterprise["name"] == "Sound Works"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        (trainer_body("Asha\u0000Verma"), "name", "U+0000"),
        (trainer_body("Asha Verma", country="Ind\u0000ia"), "country", "U+0000"),
        (trainer_body("Asha \u202eamreV"), "name", "U+202E"),
        (trainer_body("Asha\u200bVerma"), "name", "U+200B"),
        (trainer_body("Asha\u2066Verma\u2069"), "name", "U+2066"),
        (trainer_body("Asha\tVerma"), "name", "U+0009"),
    ],
    ids=["nul-in-name", "nul-in-country", "bidi-override", "zero-width-space", "isolate", "tab"],
)
async def test_a_trainers_name_or_country_with_a_hidden_character_is_refused(
    stack: Stack, people: Cast, body: dict[str, Any], field: str, code: str
) -> None:
    detail = await refused_text(stack, people.office, "/trainers", body, field)
    assert f"({code})" in detail


async def test_a_workshops_venue_and_an_enterprises_sector_are_judged_alike(
    stack: Stack, people: Cast
) -> None:
    workshop = {
        "module": "WC",
        "code": f"E2E-{uuid.uuid4().hex[:8]}",
        "starts_on": "2026-02-02",
        "ends_on": "2026-02-06",
        "venue": "Farid\u00adabad",  # a soft hyphen: invisible until the line breaks there
        "country": "IN",
        "expert_id": people.expert_id,
    }
    await refused_text(stack, people.office, "/workshops", workshop, "venue")
    body = enterprise_body("Sector Works", sector="auto\u2060parts")
    await refused_text(stack, people.candidate, "/enterprises", body, "sector")


async def test_journey_steps_refuse_hidden_characters_before_the_workflow_is_asked(
    stack: Stack, people: Cast
) -> None:
    # The journey has only just been enrolled, so the workflow would refuse these steps as
    # out of order (409); the 422 shows that the text is judged first, at the door.
    journey = await enrolled(stack, people)
    base = f"/journeys/{journey}"
    firm = str(uuid.uuid4())
    today = "2026-02-10"
    await refused_text(
        stack,
        people.candidate,
        f"{base}/coaching-visits",
        {"enterprise_id": firm, "visited_on": today, "notes": "Met the \u202eCEO"},
        "notes",
    )
    await refused_text(
        stack,
        people.candidate,
        f"{base}/baseline-assessments",
        {"enterprise_id": firm, "visited_on": today, "indicators": {"defects\u0000": 8}},
        "indicators",
    )
    await refused_text(
        stack,
        people.candidate,
        f"{base}/progress-reports",
        {"enterprise_id": firm, "indicators": {"\ufeffproductivity": 130}},
        "indicators",
    )
    await refused_text(
        stack,
        people.expert,
        f"{base}/assessment",
        {"outcome": "provisional", "comments": "Good\u0007 work"},
        "comments",
    )
    await refused_text(
        stack, people.candidate, f"{base}/withdrawal", {"reason": "\u200b"}, "reason"
    )
    await refused_text(
        stack,
        people.office,
        f"/trainers/{people.candidate_id}/removal",
        {"ground": "conduct", "reason": "abuse\u202e"},
        "reason",
    )
    await refused_text(
        stack,
        people.candidate,
        f"/trainers/{people.candidate_id}/training-records",
        {
            "delivered_on": today,
            "module": "WC",
            "enterprises": 3,
            "participants": 40,
            "description": "Pune\u0085batch",
        },
        "description",
    )
    assert (await get(stack, people.candidate, base))["stage"] == "enrolled"


async def test_a_reason_on_several_lines_is_kept_but_a_blank_one_is_refused(
    stack: Stack, people: Cast
) -> None:
    journey = await enrolled(stack, people)
    before = stack.events()
    async with stack.client(people.candidate) as http:
        reply = await http.post(f"/journeys/{journey}/withdrawal", json={"reason": " \n\t "})
    assert reply.status_code == 422, reply.text
    assert reply.json()["detail"].startswith("reason:")
    assert stack.events() == before
    withdrawn = await post(
        stack,
        people.candidate,
        f"/journeys/{journey}/withdrawal",
        {"reason": "  Moved to Chennai.\r\n\tWill enrol there.  "},
    )
    assert withdrawn["withdrawal_reason"] == "Moved to Chennai.\n\tWill enrol there."


@pytest.mark.parametrize(
    "name",
    [
        "Nguyễn Thị Minh Khai",
        "Zoë O'Brien-Ōtsuka",
        "क्‍षमा शर्मा",  # Devanagari: the ZWJ after the virama asks for the half form of क
        "राज्‌कुमार",  # Devanagari: the ZWNJ after the virama keeps the explicit virama
        "അര്‍ജുന്‍ മേനോന്‍",  # Malayalam chillu letters, old style: virama + ZWJ, word-final
        "അർജുൻ മേനോൻ",  # the same name with the atomic chillu letters of Unicode 5.1
        "مریم نیک‌پور",  # Persian: the ZWNJ keeps نیک and پور apart inside one surname
    ],
)
async def test_names_in_every_script_are_accepted_and_read_back_as_typed(
    stack: Stack, people: Cast, name: str
) -> None:
    created = await post(stack, people.office, "/trainers", trainer_body(name))
    assert created["name"] == name
    profile = await get(stack, people.office, f"/trainers/{created['trainer_id']}")
    assert profile["name"] == name


async def test_a_decomposed_name_is_stored_composed_and_trimmed(stack: Stack, people: Cast) -> None:
    decomposed = unicodedata.normalize("NFD", "Zoë Ōtsuka")
    assert decomposed != "Zoë Ōtsuka"
    created = await post(stack, people.office, "/trainers", trainer_body(f"  {decomposed} "))
    assert created["name"] == "Zoë Ōtsuka"
