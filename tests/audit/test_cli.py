"""`score audit verify`, `score audit export` and `score rebuild-read-models` as an auditor
runs them: exit status, what they print, and the record of each run in the read log."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text, update
from typer.testing import CliRunner, Result

from projections.projector import Projector
from projections.store import ReadModels, read_models_at
from service.app.audit.access_log import AuditReadLog
from service.cli import app as cli
from service.settings import Settings
from service.storage.chain import chain_of
from service.storage.database import create_service_engine
from tests.audit.script import JOURNEY_STEPS, Script


@pytest.fixture
def score(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The command line, pointed at the test's store."""
    monkeypatch.setenv("SCORE_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("SCORE_DATABASE_URL", settings.database_url)
    yield


def run(command: str) -> Result:
    """`score <command>`, e.g. run("audit verify")."""
    return CliRunner().invoke(cli, command.split())


@pytest.fixture
def live(script: Script, settings: Settings) -> Iterator[ReadModels]:
    """The live read models, caught up with the script by the projector."""
    read_models = read_models_at(settings.sqlalchemy_url)
    Projector(script.app, read_models).catch_up()
    yield read_models
    read_models.engine.dispose()


def test_verify_passes_then_names_the_damage_and_fails(script: Script, score: None) -> None:
    clean = run("audit verify")
    assert clean.exit_code == 0, clean.output
    assert "0 chains broken" in clean.output
    anchor = next(w for w in clean.output.split() if w.count(":") == 1 and len(w) > 64)

    with chain_of(script.app).engine.begin() as conn:
        conn.execute(text("UPDATE certification_events SET state = :s WHERE id = 3"), {"s": b"{}"})
    damaged = run(f"audit verify --anchor {anchor}")

    assert damaged.exit_code == 1
    assert "1 chains broken" in damaged.output
    assert "altered" in damaged.output and "at position 3" in damaged.output
    assert f"anchor {anchor} holds" in damaged.output  # the links were not touched
    assert run("audit verify --anchor yesterday").exit_code == 2


def test_export_writes_a_journey_as_csv_and_a_trainer_as_ndjson(
    script: Script, score: None, tmp_path: Path
) -> None:
    target = tmp_path / "journey.csv"
    wrote = run(f"audit export --journey {script.journey_id} --format csv --output {target}")
    assert wrote.exit_code == 0, wrote.output
    with target.open() as file:
        assert [(r["type"], r["actor_role"]) for r in csv.DictReader(file)] == JOURNEY_STEPS

    trainer = script.candidate.user_id
    printed = run(f"audit export --trainer {trainer} --type Trainer.DelistedForInactivity")
    assert printed.exit_code == 0, printed.output
    (line,) = printed.stdout.splitlines()
    assert json.loads(line)["actor_role"] == "system"

    unknown = run(f"audit export --trainer {script.journey_id}")
    assert unknown.exit_code == 2 and "No trainer" in unknown.output


def test_each_command_line_read_is_recorded(
    script: Script, score: None, settings: Settings
) -> None:
    run("audit verify")
    run(f"audit export --journey {script.journey_id}")

    engine = create_service_engine(settings)
    reads = AuditReadLog(engine).reads()
    engine.dispose()
    assert [(r.role, r.path) for r in reads] == [
        ("cli", "score audit verify"),
        ("cli", "score audit export"),
    ]
    assert reads[1].parameters == {"journey": script.journey_id, "format": "ndjson"}


def test_rebuild_and_compare_finds_no_difference_then_a_row_changed_in_sql(
    script: Script, live: ReadModels, score: None, tmp_path: Path
) -> None:
    clean = run("rebuild-read-models")
    assert clean.exit_code == 0, clean.output
    assert f"rebuilt up to position {live.position()}" in clean.output
    assert " 0 differ" in clean.output

    journeys = live.tables.journeys
    with live.engine.begin() as conn:
        conn.execute(
            update(journeys)
            .where(journeys.c.journey_id == script.journey_id)
            .values(stage="withdrawn")
        )
    damaged = run("rebuild-read-models")
    assert damaged.exit_code == 1
    assert " 1 differ" in damaged.output
    assert f"journeys {{'journey_id': '{script.journey_id}'}}: changed" in damaged.output
    assert "'stage': ('withdrawn', 'certified')" in damaged.output

    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite'}"  # another database altogether
    elsewhere = run(f"rebuild-read-models --database-url {fresh}")
    assert elsewhere.exit_code == 1 and " 1 differ" in elsewhere.output
    rebuilt = read_models_at(fresh)
    assert rebuilt.position() == live.position()
    rebuilt.engine.dispose()
