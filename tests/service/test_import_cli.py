"""`score import` and `score export` from the command line: a dry run first, then the import,
then the same file again, and the records back out in the same shape."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli.commands import app as cli
from service.settings import Settings
from tests.migrated import migrated

TRAINERS = """name,email,country,registered_on,expert
Asha Rao,asha@example.org,IN,2019-03-01,no
Bilal Khan,bilal@example.org,PK,not a date,no
"""
CERTIFICATIONS = """email,module,certified_on,certificate_number
asha@example.org,WC,2019-09-30,IND-2019-017
"""


@pytest.fixture
def in_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SCORE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SCORE_TEMPORAL_ADDRESS", raising=False)
    migrated(Settings())
    return tmp_path


def test_the_office_imports_checks_first_and_a_second_run_writes_nothing(
    in_data_dir: Path,
) -> None:
    runner = CliRunner()
    trainers, certifications = in_data_dir / "trainers.csv", in_data_dir / "certs.csv"
    trainers.write_text(TRAINERS, encoding="utf-8")
    certifications.write_text(CERTIFICATIONS, encoding="utf-8")

    checked = runner.invoke(cli, ["import", "trainers", str(trainers), "--dry-run"])
    assert checked.exit_code == 1
    assert "row 3, column registered_on: 'not a date' is not a date" in checked.output
    assert "2 rows; would write 1, 0 imported before, 1 problems" in checked.output
    assert "event store ok: 0 events" in runner.invoke(cli, ["check"]).output

    refused = runner.invoke(cli, ["import", "trainers", str(trainers)])
    assert "wrote 0, 0 imported before, 1 problems" in refused.output, "all or nothing"
    trainers.write_text(TRAINERS.replace("not a date", "2019-04-02"), encoding="utf-8")
    assert runner.invoke(cli, ["import", "trainers", str(trainers)]).exit_code == 0
    again = runner.invoke(cli, ["import", "trainers", str(trainers)])
    assert "wrote 0, 2 imported before" in again.output

    imported = runner.invoke(cli, ["import", "certifications", str(certifications)])
    assert imported.exit_code == 0, imported.output
    assert "wrote 1" in imported.output
    assert "the standing workflows were not started" in imported.output  # no Temporal here

    exported = runner.invoke(cli, ["export", "certifications"])
    assert exported.output == CERTIFICATIONS
