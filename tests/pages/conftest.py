"""The pages on the real application and read models (SQLite), without Temporal: these tests
log in, read and send forms that take no journey step."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from domain.journey.state import JourneyState
from domain.journey.steps import JourneyStep
from domain.trainer.state import TrainerState
from domain.trainer.steps import StandingStep
from domain.values import Actor, Role
from service.app.certification import Certification
from service.app.ports import Steps
from service.bootstrap.api import build_services, close_services
from service.http.deps import Services
from service.http.main import create_app
from service.http.pages.site import install_pages
from service.settings import Settings
from tests.migrated import migrated
from tests.service.login_api import NoSteps

PASSWORD = "correct horse battery staple"
SECRET = "pages-test-secret-" + "x" * 32


class StepsInTheApplication:
    """The steps taken by the application itself, as the journey workflow's activity does:
    the pages' part (forms, keys, refusals) is what these tests tell, not Temporal's."""

    def __init__(self, app: Certification) -> None:
        self.app = app

    async def enrol(
        self,
        trainer_id: str,
        workshop_id: str,
        actor: Actor,
        command_id: str,
        backdated_reason: str | None = None,
    ) -> JourneyState:
        now = datetime.now(UTC)
        enrolled = self.app.enrol(
            trainer_id, workshop_id, actor, command_id, now, backdated_reason=backdated_reason
        )
        return enrolled.state

    async def take_step(
        self, journey_id: str, step: JourneyStep, actor: Actor, command_id: str
    ) -> JourneyState:
        return self.app.take_step(journey_id, step, actor, command_id, datetime.now(UTC)).state

    async def take_standing_step(
        self, trainer: TrainerState, step: StandingStep, actor: Actor, command_id: str
    ) -> TrainerState:
        raise AssertionError("no standing step here")

    async def hand_over_standings(self, trainer_ids: Sequence[str]) -> None:
        """No standing workflow here: an import's own writes are what the pages' tests check."""


@pytest.fixture
def steps_for() -> Callable[[Certification], Steps]:
    """How the pages' steps are taken: none here (a module whose forms take one overrides it)."""
    return lambda _: NoSteps()


@pytest.fixture
def services(tmp_path: Path, steps_for: Callable[[Certification], Steps]) -> Iterator[Services]:
    settings = migrated(
        Settings(data_dir=tmp_path / "data", argon2_memory_kib=1024, argon2_time_cost=1)
    )
    built = build_services(settings, steps_for)
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
