"""When PostgreSQL drops every connection (a restart, a failover, an administrator), the next
request is answered as if nothing happened: pools check a connection before lending it."""

from __future__ import annotations

import pytest

from tests.e2e.harness import Stack
from tests.e2e.people import cast, enrolled, get, post
from tests.postgres import terminate_connections


@pytest.fixture
def database_url(stack: Stack) -> str:
    if stack.settings.database_url is None:
        pytest.skip("connections are cut on the PostgreSQL server")
    return stack.settings.database_url


async def test_reads_and_steps_after_every_connection_was_cut_are_answered(
    stack: Stack, database_url: str
) -> None:
    c = await cast(stack)
    journey = await enrolled(stack, c)
    await get(stack, c.auditor, "/audit/reads")
    await get(stack, c.expert, f"/journeys/{journey}")

    assert terminate_connections(database_url) > 0

    await get(stack, c.auditor, "/audit/reads")
    await get(stack, c.auditor, f"/audit/journeys/{journey}/history")
    assert terminate_connections(database_url) > 0
    await get(stack, c.expert, f"/journeys/{journey}")
    assert terminate_connections(database_url) > 0
    answer = await post(
        stack, c.expert, f"/journeys/{journey}/tot-result", {"attended": True, "completed": True}
    )
    assert answer["stage"] != "enrolled"
    assert (await get(stack, c.expert, f"/journeys/{journey}"))["stage"] == answer["stage"]
