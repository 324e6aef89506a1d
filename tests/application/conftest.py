"""One set of application tests, run on every event store: in memory (POPO), SQLite and
PostgreSQL. The application is plain eventsourcing, and the audit's hash chain is written by
each store's recorder (service/storage/event_store.py), so nothing here depends on the store.

Tests that need several applications on one store (concurrent writers, a fresh process
rebuilding from what another stored) cannot run in memory: they are in `shared_database/`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from service.settings import Settings
from tests.application.stores import EVERY_STORE, settings_for


@pytest.fixture(params=EVERY_STORE)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Replaces tests/conftest.py's (databases only); its `app` is built from these."""
    return settings_for(request.param, request, tmp_path)
