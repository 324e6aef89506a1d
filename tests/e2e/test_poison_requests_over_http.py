"""A bad byte in a URL is refused with a clear 4xx on every read, and nothing is written.

The GET operations come from the OpenAPI document, so a new endpoint is covered the day it
is added. PostgreSQL is where a NUL used to reach the database and answer 500.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import pytest_asyncio

from domain.values import Role
from service.http.main import create_app
from tests.e2e.harness import Stack

SPEC = create_app().openapi()
# Values that every query parameter accepts, so that only the parameter under test is bad.
GOOD_QUERY = {"at": "2026-01-01", "on": "2026-01-01"}


def _reads() -> list[tuple[str, dict[str, Any]]]:
    return [
        (path, methods["get"])
        for path, methods in SPEC["paths"].items()
        if "get" in methods and methods["get"].get("parameters")
    ]


def _cases() -> list[tuple[str, str, str]]:
    """(path template, 'path' or 'query', parameter name) for every parameter of every read."""
    return [
        (path, parameter["in"], parameter["name"])
        for path, operation in _reads()
        for parameter in operation["parameters"]
        if parameter["in"] in {"path", "query"}
    ]


def _url(template: str, where: str, name: str, bad: str) -> str:
    """The template with a good value everywhere except `bad` in the parameter under test."""
    path = re.sub(
        r"\{(\w+)\}",
        lambda m: bad if (where, m.group(1)) == ("path", name) else str(uuid.uuid4()),
        template,
    )
    query = dict(GOOD_QUERY)
    if where == "query":
        query[name] = bad
    required = {
        p["name"] for p in SPEC["paths"][template]["get"]["parameters"] if p["in"] == "query"
    }
    return path + "?" + "&".join(f"{k}={v}" for k, v in query.items() if k in required)


@pytest_asyncio.fixture(scope="module")
async def office(stack: Stack) -> str:
    """The programme office reads everything, the audit included."""
    username = f"office-{uuid.uuid4().hex[:6]}"
    await stack.add_user(username, Role.HQ)
    return username


async def _get(stack: Stack, user: str, url: str) -> Any:
    async with stack.client(user) as http:
        return await http.get(url)


@pytest.mark.stores("postgres")  # refused before any store is read
@pytest.mark.parametrize(("template", "where", "name"), _cases())
@pytest.mark.parametrize("bad", ["%00", "a%00b", "%1F", "%7F", "%0A"])
async def test_a_control_character_in_any_read_parameter_is_422_naming_it(
    stack: Stack, office: str, template: str, where: str, name: str, bad: str
) -> None:
    before = stack.events()
    reply = await _get(stack, office, _url(template, where, name, bad))
    assert reply.status_code == 422, reply.text
    answer = reply.json()
    assert answer["error"] == "InvalidRequest"
    assert name in answer["detail"] or where in answer["detail"]
    assert "control character" in answer["detail"]
    assert answer["problems"] and isinstance(answer["problems"], list)
    assert stack.events() == before


@pytest.mark.stores("postgres")  # refused before any store is read
@pytest.mark.parametrize(("template", "where", "name"), _cases())
async def test_bytes_that_are_not_utf8_in_any_read_parameter_are_400(
    stack: Stack, office: str, template: str, where: str, name: str
) -> None:
    reply = await _get(stack, office, _url(template, where, name, "%FF%FE"))
    assert reply.status_code == 400, reply.text
    answer = reply.json()
    assert answer["error"] == "BadRequest" and "UTF-8" in answer["detail"]


async def test_the_reported_reproductions_are_refused(stack: Stack, office: str) -> None:
    for url in ["/public/certificates/%00", "/public/trainers?country=%00"]:
        async with stack.client() as anonymous:
            reply = await anonymous.get(url)
        assert reply.status_code == 422, f"{url}: {reply.text}"


async def test_ordinary_text_with_accents_and_spaces_still_reads(stack: Stack) -> None:
    async with stack.client() as anonymous:
        reply = await anonymous.get("/public/trainers", params={"country": "Côte d'Ivoire"})
    # Read and judged as text: a country's name, answered with its code (422, not 400).
    assert reply.status_code == 422 and "use CI" in reply.json()["detail"], reply.text
    async with stack.client() as anonymous:
        reply = await anonymous.get("/public/trainers", params={"country": "ci"})
    assert reply.status_code == 200, reply.text
    async with stack.client() as anonymous:
        reply = await anonymous.get("/public/certificates/SCORE%20%E2%80%93%201")
    assert reply.status_code == 404, reply.text  # a well-formed number that was never issued


@pytest.mark.parametrize(
    "url",
    [
        "/audit/reads?after=18446744073709551616",
        "/audit/reads?after=9223372036854775808",
        "/audit/reads?after=-1",
        "/audit/events/export?type=Journey.CycleAssessed&type=x%00",
        f"/audit/trainers/{uuid.uuid4()}/history?after=99999999999999999999999",
        f"/audit/journeys/{uuid.uuid4()}/history?limit=18446744073709551616",
    ],
)
async def test_a_number_beyond_what_the_database_holds_is_422(
    stack: Stack, office: str, url: str
) -> None:
    reply = await _get(stack, office, url)
    assert reply.status_code == 422, reply.text
    assert reply.json()["error"] == "InvalidRequest"


async def test_the_largest_position_the_database_holds_is_accepted(
    stack: Stack, office: str
) -> None:
    reply = await _get(stack, office, f"/audit/reads?after={2**63 - 1}")
    assert reply.status_code == 200, reply.text
    assert reply.json() == []


async def test_a_path_longer_than_the_audit_log_keeps_is_still_answered(
    stack: Stack, office: str
) -> None:
    reply = await _get(stack, office, f"/audit/trainers/{'x' * 3000}/history")
    assert reply.status_code == 404, reply.text
