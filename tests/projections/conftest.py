from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from projections.projector import Projector
from projections.store import ReadModels, read_models_at
from service.app.certification import Certification
from service.settings import Settings
from tests.postgres import scratch_database
from tests.stories import Story


@pytest.fixture(scope="session")
def projections_postgres_url() -> Iterator[str]:
    with scratch_database("score_rm") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """As in tests/conftest.py, but each test starts from an empty PostgreSQL database.

    Read models sum over every event in the store (statistics, the public list), so each
    test needs an event store that holds only its own story.
    """
    if request.param == "sqlite":
        return Settings(data_dir=tmp_path / "data")
    url: str = request.getfixturevalue("projections_postgres_url")
    _empty_every_table(url)
    return Settings(data_dir=tmp_path / "data", database_url=url)


def _empty_every_table(url: str) -> None:
    # Emptying the tables is several times quicker than creating a database for each test.
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        listed = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = ", ".join(f'"{name}"' for (name,) in listed)
        if tables:
            conn.execute(f"TRUNCATE {tables} RESTART IDENTITY")


@pytest.fixture
def story(app: Certification) -> Story:
    return Story(app)


@pytest.fixture
def read_models(app: Certification, settings: Settings) -> Iterator[ReadModels]:
    read_models = read_models_at(settings.sqlalchemy_url)
    yield read_models
    read_models.engine.dispose()


@pytest.fixture
def projector(app: Certification, read_models: ReadModels) -> Projector:
    return Projector(app, read_models)
