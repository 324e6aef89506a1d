from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from service.app.certification import Certification
from service.bootstrap.parts import build_certification
from service.settings import Settings
from tests.migrated import migrated
from tests.postgres import scratch_database


@pytest.fixture(autouse=True)
def logging_left_as_found() -> Iterator[None]:
    """A test that runs a `score` command sets up that process's logging (level, handler,
    stream); the next tests get the logging they started with back. Fixtures of a wider
    scope are set up before this one, so what they set up stays for their tests."""
    root = logging.getLogger()
    handlers, level, config = root.handlers[:], root.level, structlog.get_config()
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.configure(**config)


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
