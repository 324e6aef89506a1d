"""`score credentials rotate` adds a signing key; the older ones stay published."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.app.credentials.keys import IssuerKeys
from service.cli import app as cli
from service.settings import Settings
from tests.migrated import migrated


def test_rotating_adds_a_key_that_signs_and_keeps_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = migrated(Settings(data_dir=tmp_path / "data"))
    monkeypatch.setenv("SCORE_DATA_DIR", str(settings.data_dir))
    first = IssuerKeys.at(settings.issuer_key_dir).current

    rotated = CliRunner().invoke(cli, ["credentials", "rotate"])
    listed = CliRunner().invoke(cli, ["credentials", "keys"])

    assert rotated.exit_code == 0, rotated.output
    assert "2 keys published" in rotated.output
    kids = listed.output.split()
    assert kids[0] == first.kid and IssuerKeys(settings.issuer_key_dir).current.kid == kids[1]
