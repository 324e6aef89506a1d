"""Faults under load: nothing an accepted request wrote is lost or doubled, whatever breaks.

Candidates are taken from enrolment to the certificate over HTTP, several at once, each
write with an Idempotency-Key and resent as a careful client would (tests/traffic.py), by
the service running as production runs it, in separate processes (tests/cluster.py).
Meanwhile, once per run:
* sqlite, postgres: the worker and the projector are killed (SIGKILL) and started again,
  the Temporal dev server is killed and started again on its state file, and (PostgreSQL)
  every connection to the database is terminated;
* replicas: with two workers and two API replicas, an API replica is killed and started
  again, and a worker is killed for good.
Each run happens once per scenario (a module fixture); each test states one thing that must
hold after it. The run's figures are printed (`pytest -rP tests/faults`).
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
import pytest_asyncio

from projections.rebuild import RebuildReport, rebuild_and_compare
from service.app.audit.verify import VerifyReport, verify_chains
from service.storage.chain import chain_of
from tests.cluster import Cluster
from tests.postgres import scratch_database
from tests.traffic import Ledger, LoadClient, Login, Programme, StoreCheck

pytestmark = [pytest.mark.temporal, pytest.mark.timeout(400)]

CANDIDATES = 6
WRITES_PER_CANDIDATE = 10  # enrolment, the enterprise's registration, 8 steps
RESTART_AFTER = 1.0  # seconds a killed process stays down: requests pile up meanwhile
CATCH_UP_TIMEOUT = 60.0


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


async def kill_and_restart_temporal(cluster: Cluster) -> str:
    await cluster.restart_temporal(kill=True)
    return "Temporal dev server killed (SIGKILL) and started again on its state file"


async def cut_database_connections(cluster: Cluster) -> str:
    return f"{cluster.terminate_db_connections()} PostgreSQL connections terminated"


ONE_OF_EACH = [
    Fault(0.15, kill_and_restart_the_worker),
    Fault(0.35, kill_and_restart_the_projector),
    Fault(0.55, kill_and_restart_temporal),
]


@dataclass(frozen=True)
class Struck:
    what: str
    after_writes: int  # of the load's writes, accepted before the fault struck
    in_flight: int  # requests sent and not yet answered then
    at: float = 0.0  # time.monotonic() as it struck (as the Answers' sent_at, answered_at)

    def __str__(self) -> str:
        return f"{self.what} after {self.after_writes} writes, {self.in_flight} in flight"


@dataclass(frozen=True)
class Scenario:
    label: str
    backend: str
    faults: list[Fault]
    workers: int = 1
    apis: int = 1


SCENARIOS = [
    pytest.param(Scenario("sqlite", "sqlite", ONE_OF_EACH), id="sqlite"),
    pytest.param(
        Scenario("postgres", "postgres", [*ONE_OF_EACH, Fault(0.75, cut_database_connections)]),
        id="postgres",
        marks=pytest.mark.postgres,
    ),
    pytest.param(
        Scenario(
            "sqlite, 2 workers, 2 API replicas",
            "sqlite",
            [Fault(0.2, kill_and_restart_an_api_replica), Fault(0.5, kill_a_worker)],
            workers=2,
            apis=2,
        ),
        id="replicas",
    ),
]


@dataclass(frozen=True)
class Run:
    """What a run under faults sent, broke, stored and serves."""

    scenario: Scenario
    logs: Path
    ledger: Ledger
    struck: list[Struck]
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
            "faults": [str(s) for s in self.struck],
            **self.ledger.figures(),
            **self.stored.figures(),
            "read_model_rows_compared": self.rebuilt.rows_compared,
            "load_seconds": round(self.load_seconds, 1),
            "total_seconds": round(time.monotonic() - started, 1),  # with starts and stops
            "logs": str(self.logs),
        }


@contextmanager
def database(backend: str) -> Iterator[str | None]:
    if backend == "sqlite":
        yield None
        return
    with scratch_database("score_faults") as url:
        yield url


@pytest_asyncio.fixture(scope="module", params=SCENARIOS)
async def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    return await _run(request.param, tmp_path_factory)


async def _run(scenario: Scenario, tmp: pytest.TempPathFactory) -> Run:
    started = time.monotonic()
    with database(scenario.backend) as url:
        root = tmp.mktemp("faults")
        async with Cluster(root, url, workers=scenario.workers, apis=scenario.apis) as cluster:
            done = await under_faults(cluster, scenario)
    print(f"\nfaults under load: {json.dumps(done.figures(scenario.label, started))}")  # noqa: T201
    return done


async def under_faults(cluster: Cluster, scenario: Scenario) -> Run:
    started = time.monotonic()
    ledger = Ledger()
    async with LoadClient(cluster.api_urls, ledger) as http:
        programme = await Programme.set_up(cluster, http, CANDIDATES)
        load = asyncio.gather(
            *(programme.certify(c) for c in programme.candidates), return_exceptions=True
        )
        try:
            struck = await strike(cluster, http, scenario.faults)
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
        scenario,
        cluster.logs,
        ledger,
        struck,
        stored,
        rebuilt,
        verify_chains(chain_of(app)),
        [a["stage"] if isinstance(a, dict) else repr(a) for a in answers],
        certificates,
        cluster.projector.alive and bool(cluster.live_workers()),
        time.monotonic() - started,
    )


async def strike(
    cluster: Cluster,
    http: LoadClient,
    faults: list[Fault],
    writes: int = CANDIDATES * WRITES_PER_CANDIDATE,
) -> list[Struck]:
    """Each fault once, when its share of the load's `writes` has been accepted. Each waits
    on its own: one still restarting what it broke does not hold the next one back."""
    start = len(http.ledger.accepted)

    async def when_due(fault: Fault) -> Struck:
        while (accepted := len(http.ledger.accepted) - start) < fault.after_accepted * writes:
            await asyncio.sleep(0.05)
        in_flight, at = http.in_flight, time.monotonic()
        return Struck(await fault.inject(cluster), accepted, in_flight, at)

    return list(await asyncio.gather(*(when_due(f) for f in faults)))


async def certificate(http: LoadClient, candidate: Login) -> Any:
    reply = await http.get(candidate, f"/trainers/{candidate.trainer_id}")
    return reply.json().get("certificate_number") if reply.status_code == 200 else reply.text


# -- what must hold after the faults -----------------------------------------------------------


def test_every_fault_struck_in_the_middle_of_the_load(run: Run) -> None:
    assert len(run.struck) == len(run.scenario.faults)
    load = CANDIDATES * WRITES_PER_CANDIDATE
    assert all(0 < s.after_writes < load for s in run.struck), run.struck


def test_every_request_got_its_answer_and_every_journey_its_certificate(run: Run) -> None:
    assert run.ledger.unanswered == [] and run.ledger.refused == [], run.ledger.refused[:3]
    assert run.stages == ["certified"] * CANDIDATES
    assert all(str(number).startswith("SCORE-") for number in run.certificates), run.certificates


def test_every_accepted_write_is_stored_exactly_once(run: Run) -> None:
    assert run.stored.accepted == len(run.ledger.accepted) > CANDIDATES * WRITES_PER_CANDIDATE
    assert run.stored.missing == ()
    assert run.stored.doubled == {}


def test_the_read_models_equal_a_rebuild_from_the_events(run: Run) -> None:
    assert run.rebuilt.rows_compared > 0
    assert run.rebuilt.identical, run.rebuilt.differences[:5]


def test_the_events_hash_chains_hold(run: Run) -> None:
    assert run.chains.events_checked == run.stored.events
    assert run.chains.intact, run.chains.problems[:5]


def test_the_projector_and_a_worker_still_run(run: Run) -> None:
    assert run.survivors


def test_a_fault_is_answered_as_send_again_never_as_an_internal_error(run: Run) -> None:
    """503 (or a dropped connection) says "send it again"; 500 says "something is broken"."""
    assert run.ledger.statuses[500] == 0, run.ledger.statuses
