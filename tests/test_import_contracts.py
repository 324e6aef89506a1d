"""The layers' import contracts (pyproject.toml, [tool.importlinter]) hold, and they bite.

`lint-imports` reads the contracts from pyproject.toml and the imports from the source, so
`make test` fails on an import that crosses a layer. To show the contracts are not vacuous,
the same contracts run once more over a copy of the code with a wrong import put in.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("domain", "workflows", "projections", "service")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_import_contract_is_kept() -> None:
    linted = lint_imports(REPO)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert " 0 broken" in linted.stdout


@pytest.mark.parametrize(
    ("module", "wrong_import", "broken_contract"),
    [
        (
            "workflows/journey.py",
            "import service.app.certification",
            "Workflow definitions import only the domain and their own messages BROKEN",
        ),
        (
            "domain/values.py",
            "import projections.tables",
            "The domain imports nothing of ours BROKEN",
        ),
        (
            "service/storage/database.py",
            "import service.app.accounts",
            "The application stands on storage; the adapters stand on the application BROKEN",
        ),
    ],
    ids=["a workflow definition calls the application", "the domain reads a table", "a cycle"],
)
def test_a_wrong_import_breaks_its_contract(
    tmp_path: Path, module: str, wrong_import: str, broken_contract: str
) -> None:
    copy = copy_of_the_code(tmp_path)
    source = copy / module
    source.write_text(source.read_text() + f"\n{wrong_import}  # put in by the test\n")

    linted = lint_imports(copy)

    assert linted.returncode == 1
    assert broken_contract in linted.stdout
    assert f"{module.removesuffix('.py').replace('/', '.')} -> " in linted.stdout


def copy_of_the_code(target: Path) -> Path:
    copy = target / "code"
    for package in PACKAGES:
        shutil.copytree(
            REPO / package, copy / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(REPO / "pyproject.toml", copy / "pyproject.toml")
    return copy
