"""The event stores the application's tests run on, as Settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.settings import Settings
from tests.migrated import migrated

# A SQLite file and the PostgreSQL server: stores that several applications can share.
DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
# eventsourcing's in-memory store (POPO) too, as eventsourcing's own examples run theirs.
EVERY_STORE = ["memory", *DATABASES]


def settings_for(store: str, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    data_dir = tmp_path / "data"
    if store == "memory":
        return Settings(data_dir=data_dir, event_store="memory")
    # The databases are made as production makes them: by the migrations.
    if store == "sqlite":
        return migrated(Settings(data_dir=data_dir))
    url: str = request.getfixturevalue("postgres_url")  # tests/conftest.py: one per run
    return migrated(Settings(data_dir=data_dir, database_url=url))
