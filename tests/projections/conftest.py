from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from projections.projector import Projector
from projections.store import ReadModels, read_models_at
from service.app.certification import Certification
from service.settings import Settings
from tests.migrated import migrated
from tests.postgres import empty_every_table, scratch_database
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
        return migrated(Settings(data_dir=tmp_path / "data"))
    url: str = request.getfixturevalue("projections_postgres_url")
    empty_every_table(url)
    return migrated(Settings(data_dir=tmp_path / "data", database_url=url))


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
