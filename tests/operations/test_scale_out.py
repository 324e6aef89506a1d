"""Scale-out rehearsal, without containers: PostgreSQL, the Temporal dev server, two workers,
two API processes and two projectors (one active), each a separate `score` process.

Under a bounded load spread over both API processes (candidates taken to their certificate,
every write with an Idempotency-Key, resent as a careful client would), one worker, one API
process and the active projector are killed (SIGKILL), for good, each when its share of the
load's steps has been accepted. From the times the load client records (each step's first
sending and final answer, each kill's moment), every kill struck mid-load: steps accepted
before it, steps sent after it, and steps in flight across it. Then: every accepted step
is stored once, the read models equal a rebuild from the events, the hash chains hold, and
the standby projector took over within seconds. `make scale-test` runs it at a larger scale
(SCORE_SCALE_CANDIDATES); the default is CI's.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from projections.rebuild import RebuildReport, rebuild_and_compare
from service.app.audit.verify import VerifyReport, verify_chains
from service.storage.chain import chain_of
from tests.cluster import Cluster
from tests.faults.test_faults_under_load import (
    WRITES_PER_CANDIDATE,
    Fault,
    Struck,
    certificate,
    strike,
)
from tests.postgres import scratch_database
from tests.traffic import Answer, Ledger, LoadClient, Programme, StoreCheck

pytestmark = [pytest.mark.temporal, pytest.mark.postgres, pytest.mark.timeout(600)]

CANDIDATES = int(os.environ.get("SCORE_SCALE_CANDIDATES", "6"))
TAKEOVER_WITHIN = 10.0  # seconds; the standby checks every second
CATCH_UP_TIMEOUT = 90.0
took_over_in: list[float] = []


async def kill_a_worker(cluster: Cluster) -> str:
    cluster.kill_worker(cluster.live_workers()[0])
    return f"a worker killed; {len(cluster.live_workers())} carry on"


async def kill_an_api_process(cluster: Cluster) -> str:
    cluster.kill_api(0)
    return "API process 0 killed; the clients carry on with the other"


async def kill_the_active_projector(cluster: Cluster) -> str:
    active = cluster.active_projector()
    assert active is not None, "no projector said it is active"
    active.kill()
    took_over_in.append(await cluster.wait_for_a_new_leader(active, 60))
    return f"active projector {active.name} killed; standby active in {took_over_in[-1]:.1f} s"


FAULTS = [
    Fault(0.2, kill_a_worker),
    Fault(0.4, kill_an_api_process),
    Fault(0.6, kill_the_active_projector),
]


@dataclass(frozen=True)
class Around:
    """The load's accepted steps around one kill, by the times the load client recorded."""

    before: int  # answered before the kill
    across: int  # sent before it and answered after it: in flight as it struck
    after: int  # first sent after it


@dataclass(frozen=True)
class Rehearsal:
    ledger: Ledger
    struck: list[Struck]
    load_started: float  # time.monotonic() as the load's first step went out
    stored: StoreCheck
    rebuilt: RebuildReport
    chains: VerifyReport
    certificates: list[object]
    logs: Path

    def steps(self) -> list[Answer]:
        """The load's accepted steps (not the programme's setting up before it)."""
        accepted = self.ledger.accepted.values()
        return [a for a in accepted if a.sent_at >= self.load_started]

    def around(self, kill: Struck) -> Around:
        steps = self.steps()
        return Around(
            before=sum(a.answered_at < kill.at for a in steps),
            across=sum(a.sent_at < kill.at < a.answered_at for a in steps),
            after=sum(a.sent_at > kill.at for a in steps),
        )


@pytest_asyncio.fixture(scope="module")
async def rehearsal(tmp_path_factory: pytest.TempPathFactory) -> Rehearsal:
    started = time.monotonic()
    with scratch_database("score_scale") as url:
        root = tmp_path_factory.mktemp("scale")
        overrides = {"projector_leader_check_seconds": 1.0}
        async with Cluster(
            root, url, workers=2, apis=2, projectors=2, settings_overrides=overrides
        ) as cluster:
            done = await under_load(cluster)
    figures = {
        "candidates": CANDIDATES,
        **done.ledger.figures(),
        **done.stored.figures(),
        "kills": [f"{s}; steps {done.around(s)}" for s in done.struck],
        "standby_took_over_in_s": [round(t, 2) for t in took_over_in],
        "seconds": round(time.monotonic() - started, 1),
    }
    print(f"\nscale-out rehearsal: {json.dumps(figures)}")  # noqa: T201
    return done


async def under_load(cluster: Cluster) -> Rehearsal:
    import asyncio

    ledger = Ledger()
    async with LoadClient(cluster.api_urls, ledger) as http:
        programme = await Programme.set_up(cluster, http, CANDIDATES)
        load_started = time.monotonic()
        load = asyncio.gather(*(programme.certify(c) for c in programme.candidates))
        try:
            struck = await strike(cluster, http, FAULTS, CANDIDATES * WRITES_PER_CANDIDATE)
        except BaseException:
            load.cancel()
            raise
        await load
        certificates = [await certificate(http, c) for c in programme.candidates]
    app, live = cluster.app, cluster.read_models()
    try:
        live.wait_for_position(app.recorder.max_notification_id() or 0, CATCH_UP_TIMEOUT)
        stored = StoreCheck.of(app, ledger)
        rebuilt = rebuild_and_compare(app, live)
    finally:
        live.engine.dispose()
    return Rehearsal(
        ledger,
        struck,
        load_started,
        stored,
        rebuilt,
        verify_chains(chain_of(app)),
        certificates,
        cluster.logs,
    )


def test_every_candidate_got_a_certificate_through_the_kills(rehearsal: Rehearsal) -> None:
    assert rehearsal.ledger.unanswered == [] and rehearsal.ledger.refused == []
    assert all(str(n).startswith("SCORE-") for n in rehearsal.certificates), rehearsal.certificates


def test_every_kill_struck_while_steps_were_in_flight(rehearsal: Rehearsal) -> None:
    """Not before the load nor after it: each kill had steps accepted before it, steps sent
    after it, and at least one step sent before it and answered after it."""
    assert len(rehearsal.struck) == len(FAULTS)
    for kill in rehearsal.struck:
        around = rehearsal.around(kill)
        assert around.before > 0 and around.after > 0, (str(kill), around)
        assert around.across > 0, (str(kill), around)


def test_every_accepted_step_is_stored_exactly_once(rehearsal: Rehearsal) -> None:
    assert rehearsal.stored.accepted == len(rehearsal.ledger.accepted)
    assert rehearsal.stored.accepted > CANDIDATES * WRITES_PER_CANDIDATE
    assert rehearsal.stored.missing == () and rehearsal.stored.doubled == {}


def test_the_read_models_equal_a_rebuild_and_the_chains_hold(rehearsal: Rehearsal) -> None:
    assert rehearsal.rebuilt.rows_compared > 0
    assert rehearsal.rebuilt.identical, rehearsal.rebuilt.differences[:5]
    assert rehearsal.chains.intact, rehearsal.chains.problems[:5]


def test_the_standby_projector_took_over_within_seconds(rehearsal: Rehearsal) -> None:
    assert len(took_over_in) == 1 and took_over_in[0] < TAKEOVER_WITHIN, took_over_in


def test_no_kill_was_answered_as_an_internal_error(rehearsal: Rehearsal) -> None:
    assert rehearsal.ledger.statuses[500] == 0, rehearsal.ledger.statuses
