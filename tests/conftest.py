from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service.app.certification import Certification
from service.bootstrap.parts import build_certification
from service.settings import Settings
from tests.migrated import migrated
from tests.postgres import scratch_database


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with scratch_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for each backend, migrated: a SQLite file, and the real PostgreSQL server."""
    if request.param == "sqlite":
        return migrated(Settings(data_dir=tmp_path / "data"))
    url: str = request.getfixturevalue("postgres_url")
    return migrated(Settings(data_dir=tmp_path / "data", database_url=url))


@pytest.fixture
def app(settings: Settings) -> Iterator[Certification]:
    certification = build_certification(settings)
    yield certification
    certification.close()
