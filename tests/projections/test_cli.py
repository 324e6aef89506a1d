"""`score rebuild-read-models`: the audit's check, from the command line."""

from __future__ import annotations

import pytest
from sqlalchemy import delete
from typer.testing import CliRunner

from domain.values import Module
from projections.projector import Projector
from projections.store import ReadModels
from service.cli.commands import app as cli
from service.settings import Settings
from tests.stories import Story


def test_rebuild_read_models_reports_no_difference_then_the_damage(
    story: Story,
    projector: Projector,
    read_models: ReadModels,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCORE_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("SCORE_DATABASE_URL", settings.database_url)
    story.certified_in(Module.WC, story.register_candidate(), story.register_expert())
    projector.catch_up()

    clean = CliRunner().invoke(cli, ["rebuild-read-models"])
    assert clean.exit_code == 0, clean.output
    assert f"rebuilt up to position {read_models.position()}" in clean.output
    assert "0 differ" in clean.output

    with read_models.engine.begin() as conn:
        conn.execute(delete(read_models.tables.public_trainers))
    damaged = CliRunner().invoke(cli, ["rebuild-read-models"])
    assert damaged.exit_code == 1
    assert "1 differ" in damaged.output and "public_trainers" in damaged.output
