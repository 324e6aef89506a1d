"""What the error handlers write is what the OpenAPI document says: `{detail, error}`, a 422
with its `problems`, and "wait and resend" as 503 with Retry-After, never a 409.

The errors are raised by routes added to the real application for the test, so each is
answered by the handlers the service installs; the workflows' own refusals are answered
over HTTP in tests/e2e/test_busy_steps_over_http.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import pytest_asyncio
from eventsourcing.persistence import OperationalError as StoreOperationalError
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from domain.errors import InvalidInput, StepOutOfOrder, TryAgain
from service.app.certification import ConcurrentChange
from service.app.idempotency import KeyReusedForAnotherRequest
from service.http.main import create_app
from tests.service.test_openapi import conforms
from workflows.client import StepNotRecorded
from workflows.gate import BUSY, RENEWING

RAISED: dict[str, Exception] = {
    "busy": TryAgain(BUSY),
    "renewing": TryAgain(RENEWING),
    "concurrent": ConcurrentChange(
        "Someone else changed this record at the same moment; please try again."
    ),
    "not-recorded": StepNotRecorded("the workflow service did not answer"),
    "out-of-order": StepOutOfOrder("Record the ToT result first."),
    "invalid": InvalidInput("The workshop ends before it starts."),
    "key-reused": KeyReusedForAnotherRequest("Idempotency-Key 'k' was already used."),
    "crash": RuntimeError("a bug"),
    "database-gone": OperationalError(
        "SELECT 1", {}, Exception("terminating connection due to administrator command")
    ),
    "store-gone": StoreOperationalError("server closed the connection unexpectedly"),
}


def raising_app() -> FastAPI:
    app = create_app()
    for name, error in RAISED.items():
        app.add_api_route(f"/raise/{name}", raiser(error), methods=["POST"])
    return app


def raiser(error: Exception) -> Callable[[], None]:
    def fail() -> None:
        raise error

    return fail


@pytest_asyncio.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    # Unexpected errors are answered by the app (500), as uvicorn would send them.
    transport = httpx.ASGITransport(app=raising_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        yield client


async def answer(http: httpx.AsyncClient, name: str) -> tuple[int, httpx.Headers, dict[str, Any]]:
    reply = await http.post(f"/raise/{name}")
    return reply.status_code, reply.headers, reply.json()


@pytest.mark.parametrize(
    "name", ["busy", "renewing", "concurrent", "not-recorded", "database-gone", "store-gone"]
)
async def test_wait_and_resend_is_503_with_retry_after_never_409(
    http: httpx.AsyncClient, name: str
) -> None:
    status, headers, body = await answer(http, name)
    assert status == 503
    assert int(headers["retry-after"]) >= 1
    assert "again" in body["detail"]
    assert conforms(body, {"$ref": "#/components/schemas/Problem"})


async def test_a_rule_refusal_stays_409_without_retry_after(http: httpx.AsyncClient) -> None:
    status, headers, body = await answer(http, "out-of-order")
    assert (status, body["error"]) == (409, "StepOutOfOrder")
    assert "retry-after" not in headers


@pytest.mark.parametrize("name", ["invalid", "key-reused"])
async def test_every_422_has_the_documented_shape_whoever_refused(
    http: httpx.AsyncClient, name: str
) -> None:
    status, _, body = await answer(http, name)
    assert status == 422
    assert body["problems"] == [body["detail"]]
    assert conforms(body, {"$ref": "#/components/schemas/InvalidRequest"})


async def test_an_unexpected_failure_is_500_in_the_documented_shape(
    http: httpx.AsyncClient,
) -> None:
    status, _, body = await answer(http, "crash")
    assert (status, body["error"]) == (500, "InternalError")
    assert "a bug" not in body["detail"]  # the cause is logged, not shown
    assert conforms(body, {"$ref": "#/components/schemas/Problem"})


@pytest.mark.parametrize(
    ("content", "status", "error"),
    [
        (b'{"name": "\xff"}', 400, "BadRequest"),  # not UTF-8
        (b"{not json", 422, "InvalidRequest"),  # not JSON: malformed, like any other input
        (b"[" * 100_000, 413, "RequestTooLarge"),  # refused before it is parsed
        (b"[" * 5_000 + b"]" * 5_000, 400, "BadRequest"),  # too deep for the parser
    ],
)
async def test_a_body_that_cannot_be_read_is_answered_in_json_not_500(
    http: httpx.AsyncClient, content: bytes, status: int, error: str
) -> None:
    """Bodies are read before anyone is asked who sent them: no login needed to see this."""
    reply = await http.post(
        "/trainers", content=content, headers={"Content-Type": "application/json"}
    )
    assert (reply.status_code, reply.json()["error"]) == (status, error), reply.text
    model = "InvalidRequest" if status == 422 else "Problem"
    assert conforms(reply.json(), {"$ref": f"#/components/schemas/{model}"})


async def test_every_bad_part_of_a_url_is_named_in_one_answer(http: httpx.AsyncClient) -> None:
    """Refused before routing: the same for a path that exists and one that does not."""
    reply = await http.get("/public/certificates/A%00B?co%1Buntry=x&module=%7F")
    assert reply.status_code == 422
    problems = reply.json()["problems"]
    assert [p.split(":")[0] for p in problems] == [
        "path",
        "query.co\\x1buntry (its name)",
        "query.module",
    ]
    assert "U+0000" in problems[0] and "U+001B" in problems[1] and "U+007F" in problems[2]


async def test_text_that_is_not_utf8_is_400_even_beside_a_control_character(
    http: httpx.AsyncClient,
) -> None:
    reply = await http.get("/public/trainers?country=%C3%28&module=%00")
    assert (reply.status_code, reply.json()["error"]) == (400, "BadRequest")
    assert "query.country: is not valid UTF-8" in reply.json()["detail"]
    assert conforms(reply.json(), {"$ref": "#/components/schemas/Problem"})
