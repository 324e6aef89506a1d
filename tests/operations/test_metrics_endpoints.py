"""`/metrics` answers on each process: `score worker` (ours and the Temporal SDK's) and
`score projector`, started as production starts them, each on the port its settings give."""

from __future__ import annotations

import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from service.adapters.temporal_dev import DevServer, free_port
from service.cli.welcome import observability
from service.settings import Settings
from tests.cluster import REPO, score, settings_env
from tests.migrated import migrated

pytestmark = [pytest.mark.temporal, pytest.mark.timeout(180)]


def scraped(port: int, process: subprocess.Popen[bytes], log: Path, wanted: str) -> str:
    """The endpoint's text once it holds `wanted` (the SDK's metrics appear once it polls)."""
    deadline = time.monotonic() + 90
    text = ""
    while time.monotonic() < deadline and process.poll() is None:
        try:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        except httpx.TransportError:
            text = ""
        if wanted in text:
            return text
        time.sleep(0.25)
    raise AssertionError(f"no {wanted!r} on :{port}; log:\n{log.read_text()[-2000:]}")


@pytest_asyncio.fixture
async def started(
    tmp_path: Path,
) -> AsyncIterator[dict[str, tuple[int, subprocess.Popen[bytes], Path]]]:
    async with DevServer() as temporal:
        settings = migrated(
            Settings(
                data_dir=tmp_path / "data", temporal_address=temporal.address, task_queue="metrics"
            )
        )
        base = settings_env(settings) | {"PYTHONPATH": str(REPO)}
        ports = {"worker": free_port(), "sdk": free_port(), "projector": free_port()}
        envs = {
            "worker": base
            | {
                "SCORE_METRICS_PORT": str(ports["worker"]),
                "SCORE_TEMPORAL_METRICS_PORT": str(ports["sdk"]),
            },
            "projector": base | {"SCORE_METRICS_PORT": str(ports["projector"])},
        }
        processes: dict[str, tuple[int, subprocess.Popen[bytes], Path]] = {}
        try:
            for name, env in envs.items():
                log = tmp_path / f"{name}.log"
                with log.open("wb") as out:
                    child = subprocess.Popen(
                        score(name), cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
                    )
                processes[name] = (ports[name], child, log)
            processes["sdk"] = (ports["sdk"], processes["worker"][1], processes["worker"][2])
            yield processes
        finally:
            for _, child, _ in processes.values():
                if child.poll() is None:
                    child.terminate()
                    child.wait(30)


async def test_each_process_answers_its_own_metrics(
    started: dict[str, tuple[int, subprocess.Popen[bytes], Path]],
) -> None:
    worker = scraped(*started["worker"], "score_outbox_undelivered 0.0")
    assert "# TYPE score_reminders_sent_total counter" in worker
    assert "score_event_store_append_seconds" in worker
    sdk = scraped(*started["sdk"], "temporal_")
    assert "temporal_" in sdk
    projector = scraped(*started["projector"], "score_projector_active 1.0")
    assert "score_projector_lag_events 0.0" in projector
    assert "score_projector_position" in projector and "score_event_store_head" in projector


def test_score_run_says_where_logs_metrics_and_traces_go(tmp_path: Path) -> None:
    said = observability(
        Settings(data_dir=tmp_path, otlp_endpoint="http://collector:4318"),
        "http://127.0.0.1:8000",
        tmp_path / "logs",
        {
            "worker": {"SCORE_METRICS_PORT": "9101", "SCORE_TEMPORAL_METRICS_PORT": "9102"},
            "projector": {"SCORE_METRICS_PORT": "9103"},
        },
    )
    assert f"{tmp_path / 'logs'}/{{api,worker,projector,temporal}}.log" in said
    assert "api http://127.0.0.1:8000/metrics" in said
    assert "worker http://127.0.0.1:9101/metrics" in said
    assert "Temporal SDK http://127.0.0.1:9102/metrics" in said
    assert "projector http://127.0.0.1:9103/metrics" in said
    assert "OTLP/HTTP to http://collector:4318" in said
