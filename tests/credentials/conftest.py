"""Credentials are told on the in-memory store and on SQLite (the status lists read the
event store by topic, which each store implements on its own)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from service.app.certification import Certification
from service.app.credentials.documents import Issuer
from service.app.credentials.keys import IssuerKeys
from service.app.credentials.service import Credentials
from service.bootstrap.parts import build_certification
from service.settings import Settings
from tests.application.stores import settings_for
from tests.stories import Story

BASE_URL = "https://score.example.org"


@pytest.fixture(params=["memory", "sqlite"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return settings_for(request.param, request, tmp_path)


@pytest.fixture
def app(settings: Settings) -> Iterator[Certification]:
    certification = build_certification(settings)
    yield certification
    certification.close()


@pytest.fixture
def story(app: Certification) -> Story:
    return Story(app)


@pytest.fixture
def keys(tmp_path: Path) -> IssuerKeys:
    return IssuerKeys.at(tmp_path / "issuer-keys")


@pytest.fixture
def credentials(app: Certification, keys: IssuerKeys, story: Story) -> Credentials:
    """Verifying at the story's own moment, so validity dates are judged in its time."""

    def now() -> datetime:
        return story.now

    return Credentials(app, keys, Issuer(BASE_URL), clock=now)
