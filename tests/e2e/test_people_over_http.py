"""The office corrects people's records over HTTP: an e-mail change, a merge, a new expert."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest_asyncio

from domain.values import Actor, Role
from tests.e2e.harness import Stack
from tests.e2e.people import Cast, cast, enrolled, get, outsiders, post, register


@pytest_asyncio.fixture
async def people(stack: Stack) -> AsyncIterator[Cast]:
    yield await cast(stack)


async def test_an_e_mail_change_keeps_the_id_and_a_retry_is_not_doubled(
    stack: Stack, people: Cast
) -> None:
    email = f"asha-{uuid.uuid4().hex[:8]}@example.org"
    path, key = f"/trainers/{people.candidate_id}", {"Idempotency-Key": uuid.uuid4().hex}
    before = stack.events()

    async with stack.client(people.office, **key) as http:
        first = await http.patch(path, json={"email": email})
        again = await http.patch(path, json={"email": email})

    assert first.status_code == again.status_code == 200, first.text
    assert first.json() == again.json()
    assert first.json()["trainer_id"] == people.candidate_id
    assert first.json()["email"] == email
    assert stack.events() == before + 3  # EmailChanged; the new address claimed, the old freed
    async with stack.client(people.office) as http:
        taken = await http.post(
            "/trainers", json={"name": "Someone Else", "email": email, "country": "IN"}
        )
    assert taken.status_code == 409 and email in taken.json()["detail"]


async def test_the_office_merges_a_duplicate_and_reads_of_it_lead_to_the_person(
    stack: Stack, people: Cast
) -> None:
    twin = await register(stack, people.office, "Carla Candidate (twice)")

    merged = await post(
        stack,
        people.office,
        f"/trainers/{people.candidate_id}/merge",
        {"merged_id": twin, "reason": "registered twice"},
    )

    assert merged["merged_records"] == [twin]
    async with stack.client(people.office) as http:
        again = await http.post(
            f"/trainers/{twin}/merge",
            json={"merged_id": people.candidate_id, "reason": "the other way round"},
        )
    assert again.status_code == 409 and "already merged into" in again.json()["detail"]


async def test_the_login_of_a_merged_away_record_acts_as_the_person(
    stack: Stack, people: Cast
) -> None:
    journey = await enrolled(stack, people)
    twin = await register(stack, people.office, "Carla Candidate (twice)")
    twins_login = f"twin-{uuid.uuid4().hex[:6]}"
    await stack.add_user(twins_login, Role.TRAINER, twin)
    merge = {"merged_id": twin, "reason": "registered twice"}
    key = {"Idempotency-Key": uuid.uuid4().hex}

    await post(stack, people.office, f"/trainers/{people.candidate_id}/merge", merge, key)
    await post(stack, people.office, f"/trainers/{people.candidate_id}/merge", merge, key)

    assert (await get(stack, twins_login, "/auth/me"))["trainer_id"] == people.candidate_id
    journeys = await get(stack, twins_login, f"/trainers/{people.candidate_id}/journeys")
    assert [j["journey_id"] for j in journeys] == [journey]
    logins = await get(stack, people.office, f"/trainers/{people.candidate_id}/logins")
    assert {login["username"] for login in logins} == {people.candidate, twins_login}


async def test_a_merge_retried_with_a_new_key_after_a_crash_still_moves_the_logins(
    stack: Stack, people: Cast
) -> None:
    twin = await register(stack, people.office, "Carla Candidate (twice)")
    twins_login = f"twin-{uuid.uuid4().hex[:6]}"
    await stack.add_user(twins_login, Role.TRAINER, twin)
    # The merge was recorded, then the process died before the logins moved.
    stack.services.certification.merge_trainers(
        people.candidate_id,
        twin,
        "registered twice",
        Actor("crashed", Role.HQ),
        uuid.uuid4().hex,
        datetime.now(UTC),
    )

    async with stack.client(people.office, **{"Idempotency-Key": uuid.uuid4().hex}) as http:
        again = await http.post(
            f"/trainers/{people.candidate_id}/merge",
            json={"merged_id": twin, "reason": "registered twice"},
        )

    assert again.status_code == 409 and "already merged into" in again.json()["detail"]
    logins = await get(stack, people.office, f"/trainers/{people.candidate_id}/logins")
    assert {login["username"] for login in logins} == {people.candidate, twins_login}


async def test_a_candidate_moved_to_another_expert_is_then_theirs_alone(
    stack: Stack, people: Cast
) -> None:
    journey = await enrolled(stack, people)
    new = await outsiders(stack, people.office)

    moved = await post(
        stack,
        people.office,
        f"/journeys/{journey}/expert",
        {"expert_id": new.expert_id, "reason": "their expert retired"},
    )

    assert moved["expert_id"] == new.expert_id
    result = {"attended": True, "completed": True}
    async with stack.client(people.expert) as http:
        old = await http.post(f"/journeys/{journey}/tot-result", json=result)
    assert old.status_code == 403
    taken = await post(stack, new.expert, f"/journeys/{journey}/tot-result", result)
    assert taken["stage"] == "toe_cycle"
