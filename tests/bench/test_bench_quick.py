"""`make bench` runs: the smoke scale takes every family through its code once.

No timing is asserted here (figures on a shared two-core machine are not pass/fail
material); only that the run completes and writes a well-formed results document.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import NAMES

ROOT = Path(__file__).parents[2]


@pytest.mark.temporal
@pytest.mark.timeout(600)
def test_the_benchmarks_run_and_write_their_results(tmp_path: Path) -> None:
    output = tmp_path / "latest.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
    assert "smoke mode" in run.stdout

    document = json.loads(output.read_text())
    assert document["mode"] == "smoke"
    assert set(document["families"]) == set(NAMES)
    for name, family in document["families"].items():
        assert family["error"] is None, name
        assert family["figures"], f"{name} reported no figure"
        for figure in family["figures"]:
            assert {"name", "value", "unit", "ratio", "verdict"} <= figure.keys()
