"""`score worker` (and an import that started standings) leave with `os._exit`, past the
interpreter's exit handlers, which the Temporal SDK's threads can abort. The spans still
buffered must leave first: the last step's trace is the one an operator looks for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.cluster import REPO

pytestmark = pytest.mark.timeout(60)

# A process with a batching exporter (as OTLP's) that would hold the span for a minute.
LAST_STEP = """
import os, sys
from opentelemetry import trace
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from service.bootstrap.telemetry import leave_at_once
from service.telemetry.tracing import configure_tracing

out = open(sys.argv[1], "w")
exporter = ConsoleSpanExporter(out=out)
configure_tracing("worker", None, [BatchSpanProcessor(exporter, schedule_delay_millis=60_000)])
with trace.get_tracer("tests").start_as_current_span("the last step"):
    pass
if sys.argv[2] == "leave_at_once":
    leave_at_once(0)
os._exit(0)
"""


def spans_left_by(way_out: str, tmp_path: Path) -> str:
    written = tmp_path / f"{way_out}.json"
    subprocess.run(
        [sys.executable, "-c", LAST_STEP, str(written), way_out],
        cwd=REPO,
        env={"PYTHONPATH": str(REPO)},
        check=True,
        timeout=30,
    )
    return written.read_text()


def test_leaving_at_once_sends_the_spans_still_buffered(tmp_path: Path) -> None:
    assert "the last step" in spans_left_by("leave_at_once", tmp_path)


def test_a_bare_os_exit_would_have_lost_them(tmp_path: Path) -> None:
    assert "the last step" not in spans_left_by("os._exit", tmp_path)
