"""Steps that arrive together on one journey: the ones the workflow cannot take yet are told
to wait and resend (503, Retry-After), never refused as if a rule said no (409); resent with
their keys, each is recorded exactly once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import httpx

from tests.e2e.harness import Stack
from tests.e2e.people import cast, enrolled, enterprise, get, post

TOGETHER = 8


async def _visit(stack: Stack, user: str, path: str, body: object, key: str) -> httpx.Response:
    async with stack.client(user, **{"Idempotency-Key": key}) as http:
        return await http.post(path, json=body)


async def test_steps_sent_together_are_answered_wait_and_resend_and_each_lands_once(
    stack: Stack,
) -> None:
    c = await cast(stack)
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
    visit = {"enterprise_id": firm, "visited_on": today}
    keys = [uuid.uuid4().hex for _ in range(TOGETHER)]

    replies = await asyncio.gather(
        *(_visit(stack, c.candidate, f"{base}/coaching-visits", visit, key) for key in keys)
    )

    busy = [key for key, reply in zip(keys, replies, strict=True) if reply.status_code == 503]
    assert {reply.status_code for reply in replies} <= {200, 503}, [r.text for r in replies]
    assert busy, "steps sent together on one journey: the workflow takes one at a time"
    for reply in replies:
        if reply.status_code == 503:
            assert int(reply.headers["Retry-After"]) >= 1
            answer = reply.json()
            assert answer["error"] == "TryAgain" and "again" in answer["detail"]
    for key in busy:
        reply = await _resent_until_taken(stack, c.candidate, f"{base}/coaching-visits", visit, key)
        assert reply.status_code == 200, reply.text

    again = await _visit(stack, c.candidate, f"{base}/coaching-visits", visit, keys[0])
    assert again.status_code == 200  # a key already answered gives its answer, adds nothing
    history = await get(
        stack, c.auditor, f"/audit/journeys/{journey}/history?type=Journey.CoachingVisitRecorded"
    )
    assert len(history["entries"]) == TOGETHER


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
