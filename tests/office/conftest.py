"""The office's desk over HTTP: the real app and services on each backend, without Temporal.

Steps are taken through the application directly (tests/stories.py), as the workflows would;
the projector is caught up by hand before each read. Each test starts from an empty store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from domain.values import Role
from projections.projector import Projector
from service.app.accounts import UserExists
from service.app.certification import Certification
from service.bootstrap.api import build_services, close_services
from service.http.deps import Services
from service.http.main import create_app
from service.settings import Settings
from tests.migrated import migrated
from tests.postgres import empty_every_table, scratch_database
from tests.stories import Story

STAFF_PASSWORD = "office-test-password"


@pytest.fixture(scope="session")
def office_postgres_url() -> Iterator[str]:
    with scratch_database("score_office") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    url: str | None = None
    if request.param == "postgres":
        url = request.getfixturevalue("office_postgres_url")
        empty_every_table(url)
    # Cheap password hashing: the tests log people in.
    settings = Settings(
        data_dir=tmp_path / "data", database_url=url, argon2_memory_kib=1024, argon2_time_cost=1
    )
    return migrated(settings)


class NoSteps:
    """The office's desk takes no journey step over HTTP here; any attempt is a bug."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the office API took a step ({name})")


@dataclass
class Desk:
    """The API, the story behind it, and a way to act as someone."""

    services: Services
    http: httpx.AsyncClient
    story: Story
    projector: Projector

    @property
    def app(self) -> Certification:
        return self.services.certification

    def staff(self, username: str, role: Role, countries: str | None = None) -> dict[str, str]:
        with suppress(UserExists):
            self.services.accounts.create(username, STAFF_PASSWORD, role, None, countries)
        return self.bearer(username, STAFF_PASSWORD)

    def bearer(self, username: str, password: str) -> dict[str, str]:
        user = self.services.accounts.authenticate(username, password)
        assert user is not None, f"{username} cannot log in"
        return {"Authorization": f"Bearer {self.services.accounts.issue_token(user)}"}

    async def log_in(self, username: str, password: str) -> httpx.Response:
        return await self.http.post(
            "/auth/token", data={"username": username, "password": password}
        )

    def caught_up(self) -> None:
        self.projector.catch_up()


@pytest_asyncio.fixture
async def desk(settings: Settings) -> AsyncIterator[Desk]:
    services = build_services(settings, lambda _: NoSteps())
    story = Story(services.certification)
    projector = Projector(services.certification, services.read_models)
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://office") as http:
        yield Desk(services, http, story, projector)
    close_services(services)


@pytest.fixture
def office(desk: Desk) -> dict[str, str]:
    return desk.staff("olga-office", Role.HQ)


@pytest.fixture
def auditor(desk: Desk) -> dict[str, str]:
    return desk.staff("ines-auditor", Role.AUDITOR)
