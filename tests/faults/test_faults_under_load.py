"""Faults under load: nothing an accepted request wrote is lost or doubled, whatever breaks.

Candidates are taken from enrolment to the certificate over HTTP, several at once, each
write with an Idempotency-Key and resent as a careful client would. Meanwhile the worker
and the projector are killed (SIGKILL) and started again, the Temporal dev server is
restarted on its state file, and on PostgreSQL every connection to the database is cut;
with two workers and two API replicas, one of each is killed. Afterwards every accepted
write is in the event store exactly once, no event is doubled, the read models equal a
rebuild from the events, the events' hash chains hold, and every candidate reads their
certificate over HTTP.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from projections.rebuild import RebuildReport, rebuild_and_compare
from service.audit.verify import VerifyReport, verify_chains
from tests.cluster import Cluster
from tests.postgres import scratch_database
from tests.traffic import Ledger, LoadClient, Login, Programme, StoreCheck

CANDIDATES = 6
WRITES_PER_CANDIDATE = 10  # enrolment, the enterprise's registration, 8 steps
RESTART_AFTER = 1.0  # seconds a killed process stays down: requests pile up meanwhile
CATCH_UP_TIMEOUT = 60.0
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass(frozen=True)
class Fault:
    after_accepted: float  # the share of the load's writes accepted before it strikes
    inject: Callable[[Cluster], Awaitable[str]]


async def kill_and_restart_the_worker(cluster: Cluster) -> str:
    cluster.kill_worker(cluster.live_workers()[0])
    await asyncio.sleep(RESTART_AFTER)
    await cluster.start_worker()
    return "worker killed (SIGKILL) and started again"


async def kill_a_worker(cluster: Cluster) -> str:
    cluster.kill_worker(cluster.live_workers()[0])
    return f"a worker killed (SIGKILL); {len(cluster.live_workers())} carry on"


async def kill_and_restart_the_projector(cluster: Cluster) -> str:
    cluster.kill_projector()
    await asyncio.sleep(RESTART_AFTER)
    await cluster.start_projector()
    return "projector killed (SIGKILL) and started again"


async def kill_and_restart_an_api_replica(cluster: Cluster) -> str:
    cluster.kill_api(0)
    await asyncio.sleep(RESTART_AFTER)
    await cluster.start_api(0)
    return "API replica 0 killed (SIGKILL) and started again"


async def restart_temporal(cluster: Cluster) -> str:
    await cluster.restart_temporal(kill=True)
    return "Temporal dev server killed (SIGKILL) and started again on its state file"


async def cut_database_connections(cluster: Cluster) -> str:
    return f"{cluster.terminate_db_connections()} PostgreSQL connections terminated"


ONE_OF_EACH = [
    Fault(0.15, kill_and_restart_the_worker),
    Fault(0.35, kill_and_restart_the_projector),
    Fault(0.55, restart_temporal),
]
ON_POSTGRES = [Fault(0.75, cut_database_connections)]
REPLICAS = [Fault(0.2, kill_and_restart_an_api_replica), Fault(0.5, kill_a_worker)]


@dataclass(frozen=True)
class Run:
    """What a run under faults sent, broke, stored and serves."""

    ledger: Ledger
    struck: list[str]
    stored: StoreCheck
    rebuilt: RebuildReport
    chains: VerifyReport
    stages: list[Any]  # each journey's stage as its last write answered
    certificates: list[Any]  # each candidate's certificate number, read over HTTP after
    survivors: bool  # the projector and at least one worker still run
    load_seconds: float  # from the first write to the last check

    def figures(self, label: str, started: float) -> dict[str, Any]:
        return {
            "run": label,
            "faults": self.struck,
            **self.ledger.figures(),
            **self.stored.figures(),
            "read_model_rows_compared": self.rebuilt.rows_compared,
            "load_seconds": round(self.load_seconds, 1),
            "total_seconds": round(time.monotonic() - started, 1),  # with starts and stops
        }


@contextmanager
def database(backend: str) -> Iterator[str | None]:
    if backend == "sqlite":
        yield None
        return
    with scratch_database("score_faults") as url:
        yield url


async def under_faults(cluster: Cluster, faults: list[Fault]) -> Run:
    started = time.monotonic()
    ledger = Ledger()
    async with LoadClient(cluster.api_urls, ledger) as http:
        programme = await Programme.set_up(cluster, http, CANDIDATES)
        load = asyncio.gather(
            *(programme.certify(c) for c in programme.candidates), return_exceptions=True
        )
        try:
            struck = await strike(cluster, http, faults, CANDIDATES * WRITES_PER_CANDIDATE)
        except BaseException:
            load.cancel()
            raise
        answers = await load
        certificates = [await certificate(http, c) for c in programme.candidates]
    app, live = cluster.app, cluster.read_models()
    try:
        live.wait_for_position(app.recorder.max_notification_id() or 0, CATCH_UP_TIMEOUT)
        stored = StoreCheck.of(app, ledger)
        rebuilt = rebuild_and_compare(app, live)
    finally:
        live.engine.dispose()
    return Run(
        ledger,
        struck,
        stored,
        rebuilt,
        verify_chains(app.chain),
        [a["stage"] if isinstance(a, dict) else repr(a) for a in answers],
        certificates,
        cluster.projector.alive and bool(cluster.live_workers()),
        time.monotonic() - started,
    )


async def strike(cluster: Cluster, http: LoadClient, faults: list[Fault], writes: int) -> list[str]:
    """Each fault once, when its share of the load's writes has been accepted."""
    struck = []
    start = len(http.ledger.accepted)
    for fault in faults:
        while len(http.ledger.accepted) - start < fault.after_accepted * writes:
            await asyncio.sleep(0.05)
        in_flight = http.in_flight
        what = await fault.inject(cluster)
        struck.append(f"{what} ({in_flight} requests in flight)")
    return struck


async def certificate(http: LoadClient, candidate: Login) -> Any:
    reply = await http.get(candidate, f"/trainers/{candidate.trainer_id}")
    return reply.json().get("certificate_number") if reply.status_code == 200 else reply.text


def assert_nothing_lost_or_doubled(run: Run) -> None:
    assert run.ledger.unanswered == [] and run.ledger.refused == [], run.ledger.refused[:3]
    assert run.stages == ["certified"] * CANDIDATES
    assert all(str(number).startswith("SCORE-") for number in run.certificates), run.certificates
    assert run.stored.missing == () and run.stored.doubled == {}, run.stored
    assert run.stored.accepted == len(run.ledger.accepted) > CANDIDATES * WRITES_PER_CANDIDATE
    assert run.rebuilt.identical and run.rebuilt.rows_compared > 0, run.rebuilt.differences[:5]
    assert run.chains.intact, run.chains.problems[:5]
    assert run.survivors, "the projector or every worker is down after the faults"


def report(
    run: Run, label: str, started: float, record_property: Callable[[str, object], None]
) -> None:
    figures = run.figures(label, started)
    record_property("figures", figures)
    print(f"\nfaults under load: {json.dumps(figures)}")  # noqa: T201 - the run's figures


@pytest.mark.temporal
@pytest.mark.timeout(400)
@pytest.mark.parametrize("backend", BACKENDS)
async def test_killed_processes_a_restarted_temporal_and_cut_connections_lose_and_double_nothing(
    backend: str, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    started, faults = time.monotonic(), ONE_OF_EACH + (ON_POSTGRES if backend == "postgres" else [])
    with database(backend) as url:
        async with Cluster(tmp_path, url) as cluster:
            run = await under_faults(cluster, faults)
    report(run, backend, started, record_property)

    assert len(run.struck) == len(faults)
    assert_nothing_lost_or_doubled(run)


@pytest.mark.temporal
@pytest.mark.timeout(400)
async def test_a_killed_api_replica_and_a_killed_worker_among_two_lose_and_double_nothing(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    """A request cut off with its replica is resent to the other with the same key."""
    started = time.monotonic()
    async with Cluster(tmp_path, workers=2, apis=2) as cluster:
        run = await under_faults(cluster, REPLICAS)
    report(run, "sqlite, 2 workers, 2 API replicas", started, record_property)

    assert len(run.struck) == len(REPLICAS)
    assert_nothing_lost_or_doubled(run)
