"""Steps that arrive together on one journey wait their turn in its workflow: each is applied
to the state the one before it left, and none is refused unless a rule says no (409). Only
beyond the eight a journey holds at once is a step told to wait and resend (503,
Retry-After); resent with its key, it is recorded exactly once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

import httpx

from tests.e2e.harness import Stack
from tests.e2e.people import Cast, cast, enrolled, enterprise, get, post

TOGETHER = 8  # what one journey holds at once (workflows/gate.py WAITING_STEPS)
BURST = 12  # more than it holds: some may be told to resend


async def _visit(stack: Stack, user: str, path: str, body: object, key: str) -> httpx.Response:
    async with stack.client(user, **{"Idempotency-Key": key}) as http:
        return await http.post(path, json=body)


async def _ready_for_visits(stack: Stack, c: Cast) -> tuple[str, dict[str, Any]]:
    """A journey whose candidate may record coaching visits, and the visit to send."""
    journey = await enrolled(stack, c)
    base = f"/journeys/{journey}"
    await post(stack, c.expert, f"{base}/tot-result", {"attended": True, "completed": True})
    firm = await enterprise(stack, c.candidate)
    await post(stack, c.candidate, f"{base}/enterprises", {"enterprise_id": firm})
    today = date.today().isoformat()
    baseline = {"enterprise_id": firm, "visited_on": today, "indicators": {"defects": 8}}
    await post(stack, c.candidate, f"{base}/baseline-assessments", baseline)
    classroom = {"held_on": today, "managers": 6, "workers": 14, "women": 7}
    await post(stack, c.candidate, f"{base}/classroom-workshop", classroom)
    return journey, {"enterprise_id": firm, "visited_on": today}


def _visits(answer: dict[str, Any]) -> int:
    return sum(e["coaching_visits"] for e in answer["cycle"]["enterprises"])


async def _recorded_visits(stack: Stack, c: Cast, journey: str) -> int:
    history = await get(
        stack, c.auditor, f"/audit/journeys/{journey}/history?type=Journey.CoachingVisitRecorded"
    )
    return len(history["entries"])


async def test_eight_steps_sent_together_are_all_taken_each_on_the_state_the_one_before_left(
    stack: Stack,
) -> None:
    c = await cast(stack)
    journey, visit = await _ready_for_visits(stack, c)
    path = f"/journeys/{journey}/coaching-visits"

    replies = await asyncio.gather(
        *(_visit(stack, c.candidate, path, visit, uuid.uuid4().hex) for _ in range(TOGETHER))
    )

    assert [reply.status_code for reply in replies] == [200] * TOGETHER, [r.text for r in replies]
    # One after another: each answer counts one visit more than the one before it.
    assert sorted(_visits(reply.json()) for reply in replies) == list(range(1, TOGETHER + 1))
    assert await _recorded_visits(stack, c, journey) == TOGETHER


async def test_steps_beyond_what_a_journey_holds_are_told_to_resend_and_each_lands_once(
    stack: Stack,
) -> None:
    c = await cast(stack)
    journey, visit = await _ready_for_visits(stack, c)
    path = f"/journeys/{journey}/coaching-visits"
    keys = [uuid.uuid4().hex for _ in range(BURST)]

    replies = await asyncio.gather(*(_visit(stack, c.candidate, path, visit, k) for k in keys))

    assert {reply.status_code for reply in replies} <= {200, 503}, [r.text for r in replies]
    assert sum(reply.status_code == 200 for reply in replies) >= TOGETHER
    for key, reply in zip(keys, replies, strict=True):
        if reply.status_code == 503:
            assert int(reply.headers["Retry-After"]) >= 1 and "again" in reply.json()["detail"]
            reply = await _resent_until_taken(stack, c.candidate, path, visit, key)
            assert reply.status_code == 200, reply.text

    again = await _visit(stack, c.candidate, path, visit, keys[0])
    assert again.status_code == 200  # a key already answered gives its answer, adds nothing
    assert await _recorded_visits(stack, c, journey) == BURST


async def _resent_until_taken(
    stack: Stack, user: str, path: str, body: object, key: str
) -> httpx.Response:
    """Resend as the answer asks: after Retry-After seconds, with the same key."""
    for _ in range(20):
        reply = await _visit(stack, user, path, body, key)
        if reply.status_code != 503:
            return reply
        await asyncio.sleep(float(reply.headers["Retry-After"]))
    return reply
