"""One dev server for the end-to-end tests; one whole service per backend and test module."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack

import pytest
import pytest_asyncio

from service.adapters.temporal_dev import DevServer
from tests.e2e.harness import Stack, whole_service
from tests.postgres import scratch_database


@pytest_asyncio.fixture(scope="session")
async def e2e_temporal() -> AsyncIterator[DevServer]:
    async with DevServer() as server:
        yield server


@pytest.fixture(scope="module")
def backend_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    backend = getattr(request, "param", "sqlite")
    with ExitStack() as cleanup:
        yield (
            cleanup.enter_context(scratch_database("score_e2e")) if backend == "postgres" else None
        )


@pytest_asyncio.fixture(scope="module")
async def stack(
    e2e_temporal: DevServer, backend_url: str | None, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    data_dir = tmp_path_factory.mktemp("e2e") / "data"
    async with whole_service(data_dir, e2e_temporal.address, backend_url) as running:
        yield running


STORES = ("sqlite", "postgres")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every end-to-end module runs on SQLite and on the real PostgreSQL server, but for
    tests marked `stores("postgres")`: what they check is decided before any store is read
    (who may call a route, what a request's bytes may hold), so a second store would only
    repeat them; PostgreSQL is the one production runs."""
    if "backend_url" in metafunc.fixturenames:
        only = metafunc.definition.get_closest_marker("stores")
        stores = only.args if only else STORES
        metafunc.parametrize(
            "backend_url",
            [pytest.param(s, marks=pytest.mark.postgres) if s == "postgres" else s for s in stores],
            indirect=True,
            scope="module",
        )
