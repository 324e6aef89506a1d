"""Tests of several applications sharing one store: only a database is shared between
processes, so these run on SQLite and PostgreSQL, not in memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.settings import Settings
from tests.application.stores import DATABASES, settings_for


@pytest.fixture(params=DATABASES)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return settings_for(request.param, request, tmp_path)
