"""The pages on the real application and read models (SQLite), without Temporal: these tests
log in, read and send forms that take no journey step."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from domain.values import Role
from service.app.certification import Certification
from service.app.ports import Steps
from service.bootstrap.api import build_services, close_services
from service.http.deps import Services
from service.http.main import create_app
from service.http.pages.site import install_pages
from service.settings import Settings
from tests.migrated import migrated
from tests.service.login_api import NoSteps

PASSWORD = "correct horse battery staple"
SECRET = "pages-test-secret-" + "x" * 32


@pytest.fixture
def steps_for() -> Callable[[Certification], Steps]:
    """How the pages' steps are taken: none here (a module whose forms take one overrides it)."""
    return lambda _: NoSteps()


@pytest.fixture
def services(tmp_path: Path, steps_for: Callable[[Certification], Steps]) -> Iterator[Services]:
    settings = migrated(
        Settings(data_dir=tmp_path / "data", argon2_memory_kib=1024, argon2_time_cost=1)
    )
    built = build_services(settings, steps_for)
    built.accounts.create("office", PASSWORD, Role.HQ, None)
    try:
        yield built
    finally:
        close_services(built)


@pytest.fixture
def site(services: Services) -> Iterator[TestClient]:
    app = create_app(services)
    install_pages(app, services.settings, SECRET)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client
