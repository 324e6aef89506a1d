"""Every operation of the OpenAPI document × every principal: who gets past the door, that a
refused request writes nothing, and that nobody is shown personal data that is not theirs.

The cells are generated from the app's own OpenAPI document, so a new endpoint joins the
matrix by itself and fails until its line in tests/e2e/roles.py says who may pass.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import APIRouter

from service.app.audit.access_log import MAX_READS_PAGE
from service.http.main import create_app
from tests.e2e.harness import Stack
from tests.e2e.matrix import (
    Call,
    Scene,
    add_an_entry,
    build_scene,
    call_for,
    error_of,
    leaked,
    missing_entries,
    names_something,
    operations,
    send,
    stale_entries,
    stopped_at_the_door,
)
from tests.e2e.roles import DOORS, KNOWN_DEFECTS, KNOWN_ORACLES, MAY_SEE, PRINCIPALS

OPENAPI = create_app().openapi()
# Who may call a route is decided before any store is read: PostgreSQL only (tests/e2e/conftest.py).
pytestmark = pytest.mark.stores("postgres")

OPERATIONS = {operation.key: operation for operation in operations(OPENAPI)}


def _cells(known: dict[tuple[str, str], str], naming_only: bool = False) -> list[Any]:
    """(operation, principal) for every pair, or (naming_only) for the refused principals of
    operations that name a stored thing; a known defect's cell is a strict xfail."""
    cells = []
    for operation in OPERATIONS:
        for principal in PRINCIPALS:
            door = DOORS.get(operation)
            if naming_only and (
                door is None or principal in door.allowed or not names_something(operation, door)
            ):
                continue
            defect = known.get((operation, principal))
            marks = [pytest.mark.xfail(strict=True, reason=defect)] if defect else []
            cells.append(
                pytest.param(operation, principal, marks=marks, id=f"{operation} {principal}")
            )
    return cells


# -- the table is complete ---------------------------------------------------------------------


def test_every_operation_in_the_openapi_has_an_entry() -> None:
    missing = missing_entries(OPENAPI, DOORS)
    assert not missing, add_an_entry(missing)


def test_every_entry_names_an_operation_that_exists() -> None:
    stale = stale_entries(OPENAPI, DOORS)
    assert not stale, f"These entries of DOORS name no operation any more; remove them: {stale}"


def test_the_table_names_only_known_principals() -> None:
    named = {p for door in DOORS.values() for p in door.allowed} | set(MAY_SEE)
    assert named <= set(PRINCIPALS), named - set(PRINCIPALS)
    assert set(MAY_SEE) == set(PRINCIPALS), "say whose data each principal may see"


def test_every_known_defect_names_a_cell_that_runs() -> None:
    """A known defect whose cell is never generated would hide nothing and prove nothing."""
    door_cells = {(o, p) for o in OPERATIONS for p in PRINCIPALS}
    oracle_cells = {
        (o, p)
        for o, p in door_cells
        if o in DOORS and p not in DOORS[o].allowed and names_something(o, DOORS[o])
    }
    assert set(KNOWN_DEFECTS) <= door_cells, set(KNOWN_DEFECTS) - door_cells
    assert set(KNOWN_ORACLES) <= oracle_cells, set(KNOWN_ORACLES) - oracle_cells


def test_a_new_route_without_an_entry_is_caught() -> None:
    app = create_app()
    extra = APIRouter()

    @extra.get("/reports/{trainer_id}/summary")
    def summary(trainer_id: str) -> dict[str, str]:
        return {"trainer_id": trainer_id}

    app.include_router(extra)
    missing = missing_entries(app.openapi(), DOORS)
    assert missing == ["GET /reports/{trainer_id}/summary"]
    assert "add one line each to DOORS in tests/e2e/roles.py" in add_an_entry(missing)
    assert '"GET /reports/{trainer_id}/summary": Door(' in add_an_entry(missing)


# -- each cell, on each store ------------------------------------------------------------------


@pytest_asyncio.fixture(scope="module")
async def scene(stack: Stack) -> Scene:
    return await build_scene(stack)


@pytest_asyncio.fixture(scope="module")
async def clients(stack: Stack, scene: Scene) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """One connection per principal for the whole module, each with its token."""
    async with AsyncExitStack() as opened:
        yield {
            principal: await opened.enter_async_context(stack.client(user))
            for principal, user in scene.users.items()
        }


@pytest.mark.parametrize(("operation", "principal"), _cells(KNOWN_DEFECTS))
async def test_the_door(
    stack: Stack,
    scene: Scene,
    clients: dict[str, httpx.AsyncClient],
    operation: str,
    principal: str,
) -> None:
    """Allowed: past the door. Refused: 401 or 403 (404 where hidden), nothing written, no
    audit read recorded. Either way: nobody else's e-mail, ids or username in the answer."""
    door = DOORS.get(operation)
    if door is None:
        pytest.fail(add_an_entry([operation]))
    call = call_for(OPERATIONS[operation], door, scene.values)
    reply = await _sent(
        stack, scene, clients, principal, call, refused=principal not in door.allowed
    )
    said = _said(principal, call, reply)
    if principal in door.allowed:
        assert not stopped_at_the_door(reply), f"refused at a door it may pass: {said}"
    else:
        expected = 401 if principal == "anonymous" else door.refusal_for(principal)
        assert reply.status_code == expected, f"should be {expected}: {said}"
        if expected == 403:
            assert error_of(reply) == "NotPermitted", f"refused by a rule, not the door: {said}"
    _shows_nothing_of_others(scene, principal, call, reply)


@pytest.mark.parametrize(("operation", "principal"), _cells(KNOWN_ORACLES, naming_only=True))
async def test_a_refused_caller_cannot_tell_whether_what_they_name_exists(
    stack: Stack,
    scene: Scene,
    clients: dict[str, httpx.AsyncClient],
    operation: str,
    principal: str,
) -> None:
    """Ids derive from natural keys (an e-mail, a module): a door that answers 404 for an
    unknown id and 403 for a real one tells whoever guessed an e-mail that the person is a
    trainer, or enrolled. A refused caller gets the same answer for both."""
    door = DOORS[operation]
    real = call_for(OPERATIONS[operation], door, scene.values)
    invented = call_for(OPERATIONS[operation], door, scene.unknown())
    known = await _sent(stack, scene, clients, principal, real, refused=True)
    unknown = await _sent(stack, scene, clients, principal, invented, refused=True)
    assert unknown.status_code == known.status_code, (
        f"real ids: {_said(principal, real, known)}\n"
        f"unknown ids: {_said(principal, invented, unknown)}"
    )
    _shows_nothing_of_others(scene, principal, invented, unknown)


async def _sent(
    stack: Stack,
    scene: Scene,
    clients: dict[str, httpx.AsyncClient],
    principal: str,
    call: Call,
    *,
    refused: bool,
) -> httpx.Response:
    """Send the call; a refused one must leave no event and no audit read behind."""
    user = scene.users[principal]
    before, audit_reads_before = stack.events(), _audit_reads(stack, user)
    reply = await send(clients[principal], call)
    said = _said(principal, call, reply)
    # 503 is the documented "send it again" of a step the workflow service did not answer in
    # time (a loaded machine); any other 5xx is a defect.
    assert reply.status_code < 500 or reply.status_code == 503, said
    if refused:
        written = stack.services.certification.recorder.select_notifications(before + 1, 10)
        assert not written, f"a refused request wrote {[n.topic for n in written]}: {said}"
        assert _audit_reads(stack, user) == audit_reads_before, f"recorded as a read: {said}"
    return reply


def _shows_nothing_of_others(
    scene: Scene, principal: str, call: Call, reply: httpx.Response
) -> None:
    others = [p for p in scene.secrets if p not in MAY_SEE[principal]]
    secrets = frozenset().union(*(scene.secrets[p] for p in others))
    shown = leaked(reply, call, secrets)
    assert not shown, f"shown {shown}: {_said(principal, call, reply)}"


def _said(principal: str, call: Call, reply: httpx.Response) -> str:
    return f"{principal}: {call.text()} → {reply.status_code} {reply.text[:300]}"


def _audit_reads(stack: Stack, user: str | None) -> int:
    """How many audit reads the log holds for the user: a refused one must not add any."""
    if user is None:
        return 0
    return len(stack.services.audit.reads.reads(user, None, None, 0, MAX_READS_PAGE))
