"""An API that others reach must say its public URL: every credential and QR code names it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.bootstrap.api import PublicBaseUrlUnset, create_api
from service.cli import app as cli
from service.settings import Settings
from tests.migrated import migrated


def test_an_api_listening_beyond_this_machine_without_a_public_url_refuses_to_start(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path / "data", api_host="0.0.0.0")

    with pytest.raises(PublicBaseUrlUnset, match="Set SCORE_PUBLIC_BASE_URL") as refused:
        create_api(settings)

    assert "0.0.0.0" in str(refused.value)


def test_score_api_says_what_to_set_and_exits_before_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = migrated(Settings(data_dir=tmp_path / "data"))
    monkeypatch.delenv("SCORE_PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("SCORE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SCORE_API_HOST", "0.0.0.0")

    refused = CliRunner().invoke(cli, ["api"])

    assert refused.exit_code == 1
    assert "SCORE_PUBLIC_BASE_URL is not set" in refused.output


def test_an_api_with_its_public_url_set_is_built(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", api_host="0.0.0.0", public_base_url="https://score.example.org"
    )

    assert create_api(settings).title


def test_the_embedded_default_on_loopback_keeps_the_local_url(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")

    assert settings.api_host == "127.0.0.1"
    assert create_api(settings).title
