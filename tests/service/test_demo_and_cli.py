"""The demo data tells the stories it promises; the CLI creates users and reports the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain.journey.rules import next_action
from domain.trainer.state import Listing
from service.app.certification import Certification
from service.cli.commands import app as cli
from service.cli.demo import STAGES, write_history
from service.settings import Settings
from tests.migrated import migrated
from workflows.clock import next_clock_event

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def test_the_demo_has_every_stage_one_overdue_journey_and_one_delisted_trainer(
    app: Certification,
) -> None:
    demo = write_history(app, NOW)
    assert demo is not None
    stall = timedelta(days=60)
    open_states = [app.journey(j.journey_id) for j in demo.open_journeys]
    overdue = [j for j in open_states if NOW - j.last_step_at >= stall]
    assert len(overdue) == STAGES["overdue"] == 1
    assert next_action(overdue[0]).what  # it waits on someone, and says on whom

    standings = [app.trainer(t).standing for t in demo.certified]
    listings = [s.listing for s in standings if s is not None]
    assert listings.count(Listing.INACTIVE) == 1
    assert len(demo.certified) == STAGES["certified"] + STAGES["delisted"] + STAGES["second_module"]
    # What the standing workflows will do on their first wake-up: no more delistings, and
    # the three second-module trainers get their 9-month reminder.
    due = [next_clock_event(app.trainer(t), (9, 11), NOW) for t in demo.certified]
    now_due = [event for event in due if event is not None and event.at <= NOW]
    assert [event.months for event in now_due] == [9, 9, 9]
    assert write_history(app, NOW) is None, "loading twice changes nothing"


@pytest.fixture
def in_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SCORE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SCORE_ARGON2_MEMORY_KIB", "1024")
    monkeypatch.setenv("SCORE_ARGON2_TIME_COST", "1")
    migrated(Settings())
    return tmp_path


def test_the_cli_creates_users_and_refuses_an_unregistered_trainer(in_data_dir: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(cli, ["users", "create", "ada", "--role", "auditor", "--password", "pw"])
    assert made.exit_code == 0, made.output
    assert "created auditor user ada" in made.output

    unknown = runner.invoke(
        cli,
        [
            "users",
            "create",
            "tom",
            "--role",
            "trainer",
            "--email",
            "nobody@example.org",
            "--password",
            "pw",
        ],
    )
    assert unknown.exit_code == 1
    assert "No trainer is registered with e-mail nobody@example.org" in unknown.output

    again = runner.invoke(cli, ["users", "create", "ada", "--role", "hq", "--password", "pw"])
    assert again.exit_code == 1 and "already exists" in again.output

    checked = runner.invoke(cli, ["check"])
    assert checked.exit_code == 0 and "event store ok: 0 events" in checked.output
