"""Each audit test starts from an empty event store, on SQLite and on PostgreSQL.

Verify, exports and the public list read the whole store, so a test must not see another
test's events (or another test's deliberate damage).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service.app.certification import Certification
from service.bootstrap.parts import build_certification
from service.settings import Settings
from tests.audit.script import Script
from tests.migrated import migrated
from tests.postgres import empty_every_table, scratch_database


@pytest.fixture(scope="session")
def audit_postgres_url() -> Iterator[str]:
    with scratch_database("score_audit") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    url: str | None = None
    if request.param == "postgres":
        url = request.getfixturevalue("audit_postgres_url")
        empty_every_table(url)
    # Cheap password hashing: the HTTP tests log people in.
    settings = Settings(
        data_dir=tmp_path / "data", database_url=url, argon2_memory_kib=1024, argon2_time_cost=1
    )
    return migrated(settings)


@pytest.fixture
def script(app: Certification) -> Script:
    return Script.played(app)


@pytest.fixture
def app(settings: Settings) -> Iterator[Certification]:
    """As in tests/conftest.py (close() also lets go of the store's pooled connections)."""
    certification = build_certification(settings)
    yield certification
    certification.close()
