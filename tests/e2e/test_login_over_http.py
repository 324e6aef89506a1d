"""Logging in over HTTP, on SQLite and PostgreSQL: poison bytes, guessing, stale tokens."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from domain.values import Role
from service.app.accounts import TOKEN_ALGORITHM
from service.bootstrap.parts import jwt_secret
from tests.e2e.harness import PASSWORD, Stack


def someone(role: str) -> str:
    return f"{role}-{uuid.uuid4().hex[:8]}"


async def log_in(stack: Stack, username: str, password: str) -> httpx.Response:
    async with stack.client() as anonymous:
        return await anonymous.post(
            "/auth/token", data={"username": username, "password": password}
        )


async def me(stack: Stack, token: str) -> httpx.Response:
    async with stack.client(Authorization=f"Bearer {token}") as http:
        return await http.get("/auth/me")


@pytest.mark.parametrize(
    ("field", "value", "found"),
    [
        ("username", "ada\x00", "U+0000 at position 4"),
        ("username", "a\x1bda", "U+001B at position 2"),
        ("password", "pass\x00word", "U+0000 at position 5"),
        ("username", "a" * 121, "at most 120 characters"),
    ],
)
async def test_a_control_character_in_the_login_form_is_422_naming_the_field(
    stack: Stack, field: str, value: str, found: str
) -> None:
    form = {"username": "ada", "password": PASSWORD} | {field: value}
    async with stack.client() as anonymous:
        reply = await anonymous.post("/auth/token", data=form)
    assert reply.status_code == 422, reply.text
    assert reply.json()["detail"].startswith(f"{field}: ")
    assert found in reply.json()["detail"]


async def test_bytes_that_are_not_utf8_in_the_login_form_are_an_unknown_name_not_a_500(
    stack: Stack,
) -> None:
    """The form decoder replaces them (U+FFFD): a name that exists nowhere, answered 401."""
    async with stack.client() as anonymous:
        reply = await anonymous.post(
            "/auth/token",
            content=b"username=%FF%FE&password=x",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert reply.status_code == 401, reply.text


async def test_after_five_wrong_passwords_even_the_right_one_waits_with_retry_after(
    stack: Stack,
) -> None:
    name = someone("office")
    stack.services.accounts.create(name, PASSWORD, Role.HQ, None)
    for attempt in range(5):
        wrong = await log_in(stack, name, f"guess-{attempt}")
        assert wrong.status_code == 401, wrong.text
        assert wrong.json()["detail"] == "Unknown username or wrong password."

    held = await log_in(stack, name, PASSWORD)
    assert held.status_code == 429, held.text
    assert 1 <= int(held.headers["Retry-After"]) <= 60
    assert f"wait {held.headers['Retry-After']} s and try again" in held.json()["detail"]

    unknown = someone("nobody")
    for attempt in range(5):
        assert (await log_in(stack, unknown, f"guess-{attempt}")).status_code == 401
    assert (await log_in(stack, unknown, "guess")).status_code == 429, "names exist or not alike"


async def test_a_token_without_an_expiry_is_refused(stack: Stack) -> None:
    name = someone("office")
    await stack.add_user(name, Role.HQ)
    assert (await me(stack, stack.tokens[name])).status_code == 200
    forever = jwt.encode(
        {"sub": name, "iat": datetime.now(UTC) - timedelta(seconds=1)},
        jwt_secret(stack.settings),
        TOKEN_ALGORITHM,
    )
    refused = await me(stack, forever)
    assert refused.status_code == 401
    assert "log in again" in refused.json()["detail"]


async def test_a_deactivated_user_is_refused_at_once_and_cannot_log_in(stack: Stack) -> None:
    name = someone("auditor")
    await stack.add_user(name, Role.AUDITOR)
    token = stack.tokens[name]
    assert (await me(stack, token)).status_code == 200

    stack.services.accounts.deactivate(name)
    stopped = await me(stack, token)
    assert stopped.status_code == 401, "the token they hold stops at once"
    assert "ask the programme office" in stopped.json()["detail"]
    refused = await log_in(stack, name, PASSWORD)
    assert refused.status_code == 401
    assert refused.json()["detail"] == "Unknown username or wrong password."

    stack.services.accounts.activate(name)
    assert (await log_in(stack, name, PASSWORD)).status_code == 200
    assert (await me(stack, token)).status_code == 401, "the old token stays refused"


async def test_a_role_change_applies_to_the_next_request_with_the_same_token(
    stack: Stack,
) -> None:
    name = someone("auditor")
    await stack.add_user(name, Role.AUDITOR)
    async with stack.client(name) as http:
        assert (await http.get("/standings")).status_code == 200

        stack.services.accounts.set_role(name, Role.TRAINER, str(uuid.uuid4()))
        assert (await http.get("/auth/me")).json()["role"] == "trainer"
        refused = await http.get("/standings")
        assert refused.status_code == 403
        assert "you are trainer" in refused.json()["detail"]

        stack.services.accounts.set_role(name, Role.HQ)
        assert (await http.get("/standings")).status_code == 200
