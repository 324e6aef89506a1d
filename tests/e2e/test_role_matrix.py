"""Each role against each endpoint family: who gets past the door (the domain decides after)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.e2e.harness import Stack
from tests.e2e.people import Cast, cast, enrolled

ANYONE = {"anonymous", "hq", "expert", "trainer", "auditor"}
LOGGED_IN = ANYONE - {"anonymous"}

# (method, path, roles allowed through). An allowed request may still be refused by the
# domain or by validation (409/422/404); the matrix is about 401 and role 403s only.
MATRIX = [
    ("POST", "/trainers", {"hq"}),
    ("POST", "/workshops", {"hq"}),
    ("POST", "/enterprises", {"hq", "expert", "trainer"}),
    ("POST", "/journeys", {"hq", "expert"}),
    ("POST", "/journeys/{journey}/tot-result", {"expert"}),
    ("POST", "/journeys/{journey}/enterprises", {"expert", "trainer"}),
    ("POST", "/journeys/{journey}/baseline-assessments", {"expert", "trainer"}),
    ("POST", "/journeys/{journey}/classroom-workshop", {"expert", "trainer"}),
    ("POST", "/journeys/{journey}/coaching-visits", {"expert", "trainer"}),
    ("POST", "/journeys/{journey}/progress-reports", {"expert", "trainer"}),
    ("POST", "/journeys/{journey}/assessment", {"expert"}),
    ("POST", "/journeys/{journey}/certification", {"hq"}),
    ("POST", "/journeys/{journey}/withdrawal", {"hq", "expert", "trainer"}),
    ("POST", "/trainers/{candidate}/training-records", {"hq", "trainer"}),
    ("POST", "/trainers/{candidate}/removal", {"hq"}),
    ("POST", "/trainers/{candidate}/reinstatement", {"hq"}),
    ("POST", "/trainers/{candidate}/materials/WC/manual", {"trainer"}),
    ("GET", "/journeys/{journey}", LOGGED_IN),
    ("GET", "/trainers/{candidate}", LOGGED_IN),
    ("GET", "/trainers/{candidate}/journeys", LOGGED_IN),
    ("GET", "/worklist", {"hq", "expert", "auditor"}),
    ("GET", "/standings", {"hq", "auditor"}),
    ("GET", "/workshops", LOGGED_IN),
    ("GET", "/enterprises", LOGGED_IN),
    ("GET", "/audit/journeys/{journey}/history", {"hq", "auditor"}),
    ("GET", "/audit/trainers/{candidate}/history", {"hq", "auditor"}),
    ("GET", "/audit/trainers/{candidate}/as-of?at=2026-06-01T00:00:00Z", {"hq", "auditor"}),
    ("GET", "/audit/public-list?on=2026-06-01", {"hq", "auditor"}),
    ("GET", "/audit/verify", {"hq", "auditor"}),
    ("GET", "/audit/reads", {"hq", "auditor"}),
    ("GET", "/public/trainers", ANYONE),
    ("GET", "/public/statistics", ANYONE),
]


@pytest_asyncio.fixture(scope="module")
async def matrix_cast(stack: Stack) -> AsyncIterator[tuple[Cast, str]]:
    """One cast and journey for the whole matrix: no request in it changes anything."""
    people = await cast(stack)
    yield people, await enrolled(stack, people)


@pytest.mark.parametrize(
    ("method", "path", "allowed"), MATRIX, ids=[f"{m} {p}" for m, p, _ in MATRIX]
)
async def test_each_role_against_each_endpoint(
    stack: Stack, matrix_cast: tuple[Cast, str], method: str, path: str, allowed: set[str]
) -> None:
    people, journey = matrix_cast
    users = {
        "anonymous": None,
        "hq": people.office,
        "expert": people.expert,
        "trainer": people.candidate,
        "auditor": people.auditor,
    }
    url = path.format(journey=journey, candidate=people.candidate_id)
    before = stack.events()
    for role, user in users.items():
        async with stack.client(user) as http:
            reply = await http.request(method, url, json={} if method == "POST" else None)
        role_refused = reply.status_code == 403 and "needs one of the roles" in reply.text
        if role == "anonymous" and role not in allowed:
            assert reply.status_code == 401, f"{role}: {reply.status_code} {reply.text}"
        elif role in allowed:
            assert reply.status_code != 401 and not role_refused, f"{role}: {reply.text}"
        else:
            assert role_refused, f"{role} should be refused: {reply.status_code} {reply.text}"
    assert stack.events() == before, "empty or refused requests wrote an event"
