"""The pages on the real application and read models (SQLite), without Temporal: these tests
log in, read and send forms that take no journey step."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from domain.values import Role
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
def services(tmp_path: Path) -> Iterator[Services]:
    settings = migrated(
        Settings(data_dir=tmp_path / "data", argon2_memory_kib=1024, argon2_time_cost=1)
    )
    built = build_services(settings, lambda _: NoSteps())
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
