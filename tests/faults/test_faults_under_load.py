"""Faults under load: nothing an accepted request wrote is lost or doubled, whatever breaks.

Candidates are taken from enrolment to the certificate over HTTP, several at once, each
write with an Idempotency-Key and resent as a careful client would. Meanwhile the worker
and the projector are killed (SIGKILL) and started again, the Temporal dev server is
restarted on its state file, and on PostgreSQL every connection to the database is cut.
Afterwards every accepted write is in the event store exactly once, no event is doubled,
the read models equal a rebuild from the events, and the events' hash chains hold.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from projections.rebuild import rebuild_and_compare
from service.audit.verify import verify_chains
from tests.cluster import Cluster
from tests.postgres import scratch_database
from tests.traffic import Ledger, LoadClient, Programme, StoreCheck

CANDIDATES = 6  # 10 writes each (enrolment, enterprise, 8 steps): 60 under faults
RESTART_AFTER = 1.0  # seconds a killed process stays down: requests pile up meanwhile
CATCH_UP_TIMEOUT = 60.0
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass(frozen=True)
class Fault:
    name: str
    after_accepted: float  # the share of the load's writes accepted before it strikes
    inject: Callable[[Cluster], Awaitable[str]]
    postgres_only: bool = False


async def kill_and_restart_the_worker(cluster: Cluster) -> str:
    cluster.kill_worker(cluster.live_workers()[0])
    await asyncio.sleep(RESTART_AFTER)
    await cluster.start_worker()
    return "worker killed (SIGKILL) and started again"


async def kill_and_restart_the_projector(cluster: Cluster) -> str:
    cluster.kill_projector()
    await asyncio.sleep(RESTART_AFTER)
    await cluster.start_projector()
    return "projector killed (SIGKILL) and started again"


async def restart_temporal(cluster: Cluster) -> str:
    await cluster.restart_temporal()
    return "Temporal dev server restarted on its state file"


async def cut_database_connections(cluster: Cluster) -> str:
    return f"{cluster.terminate_db_connections()} PostgreSQL connections terminated"


FAULTS = [
    Fault("worker", 0.15, kill_and_restart_the_worker),
    Fault("projector", 0.35, kill_and_restart_the_projector),
    Fault("temporal", 0.55, restart_temporal),
    Fault("database", 0.75, cut_database_connections, postgres_only=True),
]


@contextmanager
def database(backend: str) -> Iterator[str | None]:
    if backend == "sqlite":
        yield None
        return
    with scratch_database("score_faults") as url:
        yield url


async def strike(cluster: Cluster, ledger: Ledger, faults: list[Fault], writes: int) -> list[str]:
    """Each fault once, when its share of the load's writes has been accepted."""
    done = []
    start = len(ledger.accepted)
    for fault in faults:
        while len(ledger.accepted) - start < fault.after_accepted * writes:
            await asyncio.sleep(0.05)
        done.append(await fault.inject(cluster))
    return done


@pytest.mark.temporal
@pytest.mark.timeout(600)
@pytest.mark.parametrize("backend", BACKENDS)
async def test_faults_under_load_neither_lose_nor_double_an_accepted_write(
    backend: str, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    started = time.monotonic()
    faults = [f for f in FAULTS if backend == "postgres" or not f.postgres_only]
    ledger = Ledger()
    with database(backend) as url:
        async with Cluster(tmp_path, url) as cluster, LoadClient(cluster.api_urls, ledger) as http:
            programme = await Programme.set_up(cluster, http, CANDIDATES)
            load = asyncio.gather(
                *(programme.certify(c) for c in programme.candidates), return_exceptions=True
            )
            injected = await strike(cluster, ledger, faults, writes=CANDIDATES * 10)
            outcomes = await load

            assert ledger.unanswered == [] and ledger.refused == [], ledger.refused[:3]
            assert [o["stage"] for o in outcomes if isinstance(o, dict)] == [
                "certified"
            ] * CANDIDATES, outcomes
            app = cluster.app
            live = cluster.read_models()
            try:
                live.wait_for_position(app.recorder.max_notification_id() or 0, CATCH_UP_TIMEOUT)
                stored = StoreCheck.of(app, ledger)
                rebuilt = rebuild_and_compare(app, live)
            finally:
                live.engine.dispose()
            chains = verify_chains(app.chain)
            survivors = cluster.projector.alive and bool(cluster.live_workers())

    figures = {
        "backend": backend,
        "faults": injected,
        **ledger.figures(),
        **stored.figures(),
        "read_model_rows_compared": rebuilt.rows_compared,
        "seconds": round(time.monotonic() - started, 1),
    }
    record_property("figures", figures)
    print("\nfaults under load:", json.dumps(figures))  # noqa: T201 - the run's figures

    assert stored.missing == () and stored.doubled == {}, stored
    assert stored.accepted == len(ledger.accepted) and stored.events > stored.accepted
    assert rebuilt.identical and rebuilt.rows_compared > 0, rebuilt.differences[:5]
    assert chains.intact, chains.problems[:5]
    assert survivors, "the projector or every worker died after the faults"
    assert len(injected) == len(faults)
