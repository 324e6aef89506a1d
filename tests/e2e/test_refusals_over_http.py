"""Every error is JSON a person can act on, and none writes an event."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.e2e.harness import Stack
from tests.e2e.people import Cast, cast, enrolled, enterprise, post


@pytest_asyncio.fixture
async def people(stack: Stack) -> AsyncIterator[Cast]:
    """A fresh office, expert, candidate and auditor for each story."""
    yield await cast(stack)


async def refused(
    stack: Stack,
    user: str | None,
    path: str,
    body: Any = None,
    *,
    status: int,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST that must be refused with `status`, a JSON `detail`, and no new event."""
    before = stack.events()
    async with stack.client(user, **(headers or {})) as http:
        if raw is not None:
            reply = await http.post(path, content=raw, headers={"Content-Type": "application/json"})
        else:
            reply = await http.post(path, json=body)
    assert reply.status_code == status, reply.text
    answer: dict[str, Any] = reply.json()
    assert isinstance(answer["detail"], str) and answer["detail"]
    assert stack.events() == before, "a refused request must write no event"
    return answer


async def test_no_token_or_a_bad_token_is_401(stack: Stack, people: Cast) -> None:
    answer = await refused(stack, None, "/trainers", {"name": "X"}, status=401)
    assert "Log in first" in answer["detail"]
    answer = await refused(
        stack,
        None,
        "/trainers",
        {"name": "X"},
        status=401,
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert "invalid or has expired" in answer["detail"]


async def test_a_wrong_role_or_someone_elses_candidate_is_403(stack: Stack, people: Cast) -> None:
    journey = await enrolled(stack, people)
    answer = await refused(stack, people.auditor, f"/journeys/{journey}/certification", status=403)
    assert "hq" in answer["detail"]
    stranger = await cast(stack)  # another expert, not this candidate's
    answer = await refused(
        stack,
        stranger.expert,
        f"/journeys/{journey}/tot-result",
        {"attended": True, "completed": True},
        status=403,
    )
    assert answer["error"] == "NotPermitted"
    assert "candidate's expert trainer" in answer["detail"]


async def test_an_unknown_journey_is_404(stack: Stack, people: Cast) -> None:
    answer = await refused(
        stack,
        people.expert,
        f"/journeys/{uuid.uuid4()}/tot-result",
        {"attended": True, "completed": True},
        status=404,
    )
    assert answer["error"] == "NotFound"


@pytest.mark.parametrize(
    ("role", "path", "body"),
    [
        ("expert", "/journeys/not-a-uuid/tot-result", {"attended": True, "completed": True}),
        ("candidate", "/trainers/not-a-uuid/materials/WC/manual", None),
        ("office", "/trainers/not-a-uuid/removal", {"ground": "conduct", "reason": "abuse"}),
    ],
)
async def test_an_id_that_is_no_uuid_is_404_not_a_crash(
    stack: Stack, people: Cast, role: str, path: str, body: Any
) -> None:
    answer = await refused(stack, getattr(people, role), path, body, status=404)
    assert "not-a-uuid" in answer["detail"]


async def test_a_step_not_allowed_now_is_409_with_the_domains_reason(
    stack: Stack, people: Cast
) -> None:
    journey = await enrolled(stack, people)
    firm = await enterprise(stack, people.candidate)
    answer = await refused(
        stack,
        people.candidate,
        f"/journeys/{journey}/enterprises",
        {"enterprise_id": firm},
        status=409,
    )
    assert answer["error"] == "StepOutOfOrder"
    assert "ToT workshop result must be recorded" in answer["detail"]
    answer = await refused(stack, people.office, f"/journeys/{journey}/certification", status=409)
    assert answer["error"] == "NotRecommended"


async def test_malformed_input_is_422(stack: Stack, people: Cast) -> None:
    journey = await enrolled(stack, people)
    answer = await refused(
        stack, people.expert, f"/journeys/{journey}/tot-result", {"attended": "maybe"}, status=422
    )
    assert "attended" in answer["detail"] and "completed" in answer["detail"]
    await refused(
        stack, people.expert, f"/journeys/{journey}/tot-result", raw=b"{not json", status=422
    )
    answer = await refused(
        stack,
        people.expert,
        f"/journeys/{journey}/tot-result",
        {"attended": False, "completed": True},
        status=422,
    )
    assert "did not attend" in answer["detail"]


async def test_an_oversized_body_is_413(stack: Stack, people: Cast) -> None:
    journey = await enrolled(stack, people)
    huge = {"reason": "x" * 200_000}
    answer = await refused(
        stack, people.candidate, f"/journeys/{journey}/withdrawal", huge, status=413
    )
    assert "larger than" in answer["detail"]


async def test_a_retry_with_the_same_idempotency_key_returns_the_first_response(
    stack: Stack, people: Cast
) -> None:
    journey = await enrolled(stack, people)
    key = uuid.uuid4().hex
    path = f"/journeys/{journey}/tot-result"
    first = await post(
        stack,
        people.expert,
        path,
        {"attended": True, "completed": True},
        headers={"Idempotency-Key": key},
    )
    written = stack.events()
    again = await post(
        stack,
        people.expert,
        path,
        {"attended": True, "completed": True},
        headers={"Idempotency-Key": key},
    )
    assert again == first and stack.events() == written

    answer = await refused(
        stack,
        people.expert,
        path,
        {"attended": True, "completed": False},
        status=422,
        headers={"Idempotency-Key": key},
    )
    assert answer["error"] == "IdempotencyKeyReused"


async def test_a_refusal_is_also_remembered_under_its_key(stack: Stack, people: Cast) -> None:
    journey = await enrolled(stack, people)
    key, path = uuid.uuid4().hex, f"/journeys/{journey}/certification"
    first = await refused(stack, people.office, path, status=409, headers={"Idempotency-Key": key})
    again = await refused(stack, people.office, path, status=409, headers={"Idempotency-Key": key})
    assert again == first


@pytest.mark.parametrize("path", ["/journeys/{journey}", "/trainers/{candidate}/journeys"])
async def test_reads_refuse_other_peoples_records(stack: Stack, people: Cast, path: str) -> None:
    journey = await enrolled(stack, people)
    other = await cast(stack)
    url = path.format(journey=journey, candidate=people.candidate_id)
    async with stack.client(other.candidate) as http:
        reply = await http.get(url)
    assert reply.status_code == 403 and "your own" in reply.json()["detail"]
