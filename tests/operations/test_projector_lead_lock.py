"""The projector's lead, piece by piece: the advisory lock on the real PostgreSQL server (its
key, its session's timeouts, a standby ending a quiet leader's session), the lease on SQLite
(with a clock the test moves: renewed, run out, taken over, and a frozen leader's batch
fenced off), and the loop that follows while leading (`lead_then_follow`), whatever its parts
raise.

The processes, killed and frozen, are in `test_projector_leadership.py`.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path

import psycopg
import pytest
from eventsourcing.persistence import Notification
from pydantic import ValidationError
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from projections.leadership import (
    AdvisoryLock,
    LeadLost,
    SqliteLease,
    lead_then_follow,
    lock_key,
    lock_name,
    session_timeouts,
)
from projections.projector import Projector
from projections.rebuild import rebuild_and_compare
from projections.store import ReadModels, read_models_at
from projections.tracking import PROJECTION_NAME, advance_position
from projections.writes import Changes
from service.app.certification import Certification
from service.bootstrap.parts import build_certification, build_read_models
from service.bootstrap.projector import alive_stem
from service.settings import Settings
from tests.migrated import migrated
from tests.postgres import scratch_database
from tests.projections.helpers import all_rows, one_of_everything
from tests.stories import Story

pytestmark = pytest.mark.timeout(60)

TIMEOUT = 1.0  # seconds a leader's lock session may stay quiet


@pytest.fixture
def database() -> Iterator[str]:
    with scratch_database("score_lock") as url:
        yield url


def lock_over(url: str, prefix: str = "rm_") -> AdvisoryLock:
    return AdvisoryLock(url, lock_key(lock_name(prefix, PROJECTION_NAME)), TIMEOUT)


@pytest.mark.postgres
def test_deployments_sharing_a_database_under_different_prefixes_each_have_a_leader(
    database: str,
) -> None:
    first, second, rival = (
        lock_over(database, "a_"),
        lock_over(database, "b_"),
        lock_over(database, "a_"),
    )
    try:
        assert first.try_acquire()
        assert second.try_acquire()
        assert not rival.try_acquire()
    finally:
        for lock in (first, second, rival):
            lock.close()


@pytest.mark.postgres
def test_the_lock_session_gives_up_on_a_silent_peer_and_on_a_statement_that_hangs(
    database: str,
) -> None:
    dsn = database.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, **session_timeouts(4)) as conn:  # type: ignore[arg-type]
        shown = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
            for name in (
                "statement_timeout",
                "tcp_keepalives_idle",
                "tcp_keepalives_count",
                "tcp_user_timeout",
            )
        }
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT pg_sleep(10)")
        client = conn.info.get_parameters()
    assert shown == {
        "statement_timeout": "4s",
        "tcp_keepalives_idle": "1",
        "tcp_keepalives_count": "3",
        "tcp_user_timeout": "4000",  # milliseconds, shown bare
    }
    assert (client["keepalives"], client["tcp_user_timeout"]) == ("1", "4000")
    assert client["application_name"] == "score-projector-lead"


@pytest.mark.postgres
def test_a_standby_ends_the_session_of_a_leader_gone_quiet_and_takes_over(database: str) -> None:
    leader, standby = lock_over(database), lock_over(database)
    try:
        assert leader.try_acquire()
        assert not standby.try_acquire()  # the leader has just checked in: healthy

        time.sleep(TIMEOUT + 0.5)  # the leader frozen: no check, no heartbeat
        deadline = time.monotonic() + 5
        while not standby.try_acquire():
            assert time.monotonic() < deadline, "the standby never took over"
            time.sleep(0.1)

        assert not leader.still_held()
    finally:
        leader.close()
        standby.close()


@pytest.mark.postgres
def test_a_leader_that_keeps_checking_is_never_ended_by_a_standby(database: str) -> None:
    leader, standby = lock_over(database), lock_over(database)
    try:
        assert leader.try_acquire()
        for _ in range(int(3 * TIMEOUT / 0.2)):
            assert leader.still_held()
            assert not standby.try_acquire()
            time.sleep(0.2)
    finally:
        leader.close()
        standby.close()


@pytest.mark.postgres
def test_a_standby_never_ends_a_session_that_is_not_a_projectors(database: str) -> None:
    """Only a projector's lock session is ended: someone else's session holding the same key
    (another program, a person at psql) is waited on, however quiet."""
    dsn = database.replace("postgresql+psycopg://", "postgresql://")
    key = lock_key(lock_name("rm_", PROJECTION_NAME))
    standby = lock_over(database)
    with psycopg.connect(dsn, autocommit=True, application_name="psql") as other:
        other.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            time.sleep(TIMEOUT + 0.5)  # quiet for longer than a leader may be
            for _ in range(3):
                assert not standby.try_acquire()
            assert other.execute("SELECT 1").fetchone() == (1,)  # its session is alive
        finally:
            standby.close()


def lock_sessions(url: str) -> set[int]:
    """The server's sessions of projectors' locks in this database."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'score-projector-lead' "
            "AND datname = current_database()"
        ).fetchall()
    return {pid for (pid,) in rows}


@pytest.mark.postgres
def test_a_standby_tries_again_on_the_session_it_kept(database: str) -> None:
    leader, standby = lock_over(database), lock_over(database)
    try:
        assert leader.try_acquire()
        seen: set[int] = set()
        for _ in range(3):
            assert not standby.try_acquire()
            seen |= lock_sessions(database)
    finally:
        leader.close()
        standby.close()
    assert len(seen) == 2  # the leader's and the standby's, the same at every try
    deadline = time.monotonic() + 5  # a closed session's server process ends a moment later
    while lock_sessions(database) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lock_sessions(database) == set()  # closed, both


@pytest.mark.postgres
def test_a_leader_whose_lock_session_was_ended_is_fenced_off_in_its_batch(database: str) -> None:
    leader, standby = lock_over(database), lock_over(database)
    engine = build_read_models(Settings(database_url=database)).engine
    try:
        assert leader.try_acquire()
        with engine.begin() as batch:
            leader.fence(batch)  # leads: the batch may commit

        time.sleep(TIMEOUT + 0.5)  # frozen; the standby ends its session and takes over
        deadline = time.monotonic() + 5
        while not standby.try_acquire():
            assert time.monotonic() < deadline, "the standby never took over"
            time.sleep(0.1)

        with pytest.raises(LeadLost), engine.begin() as batch:
            leader.fence(batch)
    finally:
        leader.close()
        standby.close()
        engine.dispose()


@pytest.mark.postgres
def test_a_batch_left_open_by_a_frozen_leader_holds_the_next_leaders_batch_back_for_a_timeout_only(
    database: str,
) -> None:
    """A leader frozen mid-batch leaves its transaction open, the tracking row moved in it:
    the server ends that session after the leader's timeout, and the new leader's first
    batch goes through then, instead of waiting on the row until TCP gives up."""
    frozen = read_models_at(database, "t_", batch_timeout_seconds=TIMEOUT)
    next_leader = read_models_at(database, "t_", batch_timeout_seconds=TIMEOUT)
    frozen.create()
    tables, name = frozen.tables, frozen.projection
    try:
        left_open = frozen.engine.connect()
        left_open.begin()
        advance_position(left_open, tables, name, 0, 5)  # then SIGSTOP: idle in transaction

        started = time.monotonic()
        with next_leader.engine.begin() as batch:
            advance_position(batch, tables, name, 0, 3)  # waits on the row, then moves it
        waited = time.monotonic() - started

        with pytest.raises(DBAPIError) as ended:  # woken, the frozen leader finds it ended
            advance_position(left_open, tables, name, 0, 5)
        assert ended.value.connection_invalidated
        assert next_leader.position() == 3
        assert TIMEOUT * 0.5 < waited < TIMEOUT + 10
    finally:
        with suppress(Exception):
            left_open.close()
        frozen.engine.dispose()
        next_leader.engine.dispose()


@pytest.mark.postgres
def test_the_projectors_batch_sessions_are_named_and_give_up_on_a_silent_peer(
    database: str,
) -> None:
    engine = read_models_at(database, batch_timeout_seconds=4).engine
    try:
        with engine.connect() as conn:
            shown = {
                name: conn.scalar(text(f"SHOW {name}"))
                for name in (
                    "idle_in_transaction_session_timeout",
                    "statement_timeout",
                    "tcp_keepalives_idle",
                    "application_name",
                )
            }
    finally:
        engine.dispose()
    assert shown == {
        "idle_in_transaction_session_timeout": "4s",
        "statement_timeout": "0",  # a statement of a live leader's is the server's work
        "tcp_keepalives_idle": "1",
        "application_name": "score-projector-batch",
    }


# -- the lease, on SQLite ----------------------------------------------------------------------


class Clock:
    """The machine's clock, as far as the leases can tell: moved by the test."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[tuple[Certification, ReadModels]]:
    settings = migrated(Settings(data_dir=tmp_path / "data"))
    app, read_models = build_certification(settings), build_read_models(settings)
    yield app, read_models
    read_models.engine.dispose()
    app.close()


def lease_over(
    read_models: ReadModels, clock: Callable[[], float], alive_stem: Path | None = None
) -> SqliteLease:
    return SqliteLease(
        read_models.engine,
        read_models.tables.projector_lease,
        read_models.projection,
        TIMEOUT,
        clock,
        alive_stem=alive_stem,
    )


def test_a_lease_renewed_in_time_stays_with_its_leader_and_a_released_one_is_free_at_once(
    sqlite_store: tuple[Certification, ReadModels],
) -> None:
    _, read_models = sqlite_store
    clock = Clock()
    leader, standby = lease_over(read_models, clock), lease_over(read_models, clock)

    assert leader.try_acquire()
    assert not standby.try_acquire()
    for _ in range(5):  # renewed at every check: never runs out
        clock.now += 0.6 * TIMEOUT
        assert leader.still_held()
        assert not standby.try_acquire()
    leader.release()

    assert standby.try_acquire()
    assert not leader.try_acquire()


def test_a_standby_takes_a_lease_that_ran_out_and_the_old_leader_loses_it(
    sqlite_store: tuple[Certification, ReadModels], caplog: pytest.LogCaptureFixture
) -> None:
    _, read_models = sqlite_store
    clock = Clock()
    leader, standby, third = (lease_over(read_models, clock) for _ in range(3))
    assert leader.try_acquire()
    first_epoch = leader.epoch

    clock.now += TIMEOUT + 0.1  # the leader frozen: no renewal
    with caplog.at_level(logging.WARNING, logger="projections.leadership"):
        assert standby.try_acquire()
    assert not third.try_acquire()  # taken once, by one standby

    assert standby.epoch == (first_epoch or 0) + 1
    assert "has been quiet for more than" in caplog.text
    assert not leader.still_held()  # when it wakes: its renewal finds a newer epoch


def alive_lease_over(read_models: ReadModels, clock: Clock, folder: Path) -> SqliteLease:
    return lease_over(read_models, clock, folder / "score.sqlite.projector-rm_journeys")


@pytest.fixture
def leases(
    sqlite_store: tuple[Certification, ReadModels], tmp_path: Path
) -> Iterator[Callable[[Clock], SqliteLease]]:
    """Leases over the store, each with its file of life in `tmp_path`; closed at the end."""
    _, read_models = sqlite_store
    made: list[SqliteLease] = []

    def lease(clock: Clock) -> SqliteLease:
        made.append(alive_lease_over(read_models, clock, tmp_path))
        return made[-1]

    yield lease
    for each in made:
        each.close()


def died(lease: SqliteLease) -> None:
    """As the process's death does: its files closed (so its flock let go of), its lease
    neither renewed nor released."""
    alive = lease._alive
    assert alive is not None and alive._fd is not None
    os.close(alive._fd)
    alive._fd = None


def test_a_standby_takes_over_at_once_from_a_leader_whose_process_died(
    leases: Callable[[Clock], SqliteLease], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    leader, standby, third = (leases(clock) for _ in range(3))
    assert leader.try_acquire()
    assert not standby.try_acquire()  # alive: its lease runs and its file is locked

    died(leader)
    with caplog.at_level(logging.WARNING, logger="projections.leadership"):
        assert standby.try_acquire()  # the lease still runs, but its holder's file is free
    assert not third.try_acquire()  # and the new leader is alive

    assert "has ended; took over" in caplog.text
    assert not leader.still_held()
    assert len(list(tmp_path.glob("*.alive"))) == 2  # the dead one's file cleaned away


def test_a_frozen_leader_is_waited_for_until_its_lease_runs_out_and_never_taken_back_when_it_wakes(
    leases: Callable[[Clock], SqliteLease],
) -> None:
    clock = Clock()
    frozen, standby, third = (leases(clock) for _ in range(3))
    assert frozen.try_acquire()
    assert not standby.try_acquire()  # frozen, not dead: its file stays locked

    clock.now += TIMEOUT + 0.1  # its lease runs out
    assert standby.try_acquire()
    assert not frozen.still_held()  # it wakes, finds a newer epoch and stands down
    for _ in range(3):  # and does not take the lead back from a live leader
        assert not frozen.try_acquire()
        assert not third.try_acquire()
        clock.now += 0.5 * TIMEOUT
        assert standby.still_held()
    died(standby)
    assert frozen.try_acquire()  # whose death is seen at once


def test_a_holder_without_a_file_of_life_is_waited_for_until_its_lease_runs_out(
    sqlite_store: tuple[Certification, ReadModels], leases: Callable[[Clock], SqliteLease]
) -> None:
    _, read_models = sqlite_store
    clock = Clock()
    without = lease_over(read_models, clock)  # a projector that keeps no file of life
    standby = leases(clock)
    assert without.try_acquire()

    assert not standby.try_acquire()  # not known to be gone: maybe alive
    clock.now += TIMEOUT + 0.1
    assert standby.try_acquire()
    without.close()


def test_a_projector_that_cannot_make_its_file_of_life_still_leads_by_the_lease_alone(
    sqlite_store: tuple[Certification, ReadModels],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, read_models = sqlite_store
    clock = Clock()
    nowhere = tmp_path / "no such folder" / "score.sqlite.projector-rm_journeys"
    leader = lease_over(read_models, clock, nowhere)
    with caplog.at_level(logging.WARNING, logger="projections.leadership"):
        assert leader.try_acquire()
    assert "cannot lock" in caplog.text
    assert leader.still_held()
    leader.close()


def test_the_files_of_life_lie_beside_the_sqlite_database_and_none_for_one_in_memory() -> None:
    stem = alive_stem("/srv/score/data/score.sqlite", "rm_journeys")
    assert stem == Path("/srv/score/data/score.sqlite.projector-rm_journeys")
    assert alive_stem(":memory:", "rm_journeys") is None
    assert alive_stem(None, "rm_journeys") is None


def test_a_frozen_leader_that_wakes_after_a_take_over_writes_nothing_and_stands_down(
    sqlite_store: tuple[Certification, ReadModels],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app, read_models = sqlite_store
    story, clock = Story(app), Clock()
    leader, standby = lease_over(read_models, clock), lease_over(read_models, clock)
    assert leader.try_acquire()
    following = Projector(app, read_models, batch_size=5, fence=leader.fence)
    one_of_everything(story, following)  # the leader follows the log in small batches
    expert = story.register_expert()
    story.ready_to_assess(story.register_candidate(), expert)  # a batch for it to build
    before = read_models.position(), all_rows(read_models)
    build_batch = following._changes_for

    def frozen_after_building(notifications: list[Notification]) -> Changes:
        changes = build_batch(notifications)
        clock.now += TIMEOUT + 0.1  # SIGSTOP here: the lease runs out, the standby takes over
        assert standby.try_acquire()
        return changes

    monkeypatch.setattr(following, "_changes_for", frozen_after_building)
    with caplog.at_level(logging.WARNING, logger="projections.projector"):
        following.run_until(threading.Event(), poll_interval=0.01)  # returns: lead lost

    assert (read_models.position(), all_rows(read_models)) == before  # its batch rolled back
    assert "no longer leads" in caplog.text
    assert not leader.still_held()
    assert Projector(app, read_models, fence=standby.fence).catch_up() > 0
    assert rebuild_and_compare(app, read_models).identical


def test_a_standby_does_not_take_a_lease_its_leader_renews_between_its_read_and_its_write(
    sqlite_store: tuple[Certification, ReadModels],
) -> None:
    _, read_models = sqlite_store
    leader_clock = Clock()
    leader = lease_over(read_models, leader_clock)
    assert leader.try_acquire()
    epoch = leader.epoch

    def renewed_meanwhile() -> float:  # called after the standby has read the lease
        leader_clock.now += 0.9 * TIMEOUT
        assert leader.still_held()
        return Clock().now + TIMEOUT + 0.1  # past the end the standby read

    standby = lease_over(read_models, renewed_meanwhile)

    assert not standby.try_acquire()
    assert standby.epoch is None
    assert leader.epoch == epoch
    assert leader.still_held()


def test_a_lease_ending_further_ahead_than_any_renewal_has_run_out_the_clock_was_set_back(
    sqlite_store: tuple[Certification, ReadModels],
) -> None:
    _, read_models = sqlite_store
    clock = Clock()
    leader, standby = lease_over(read_models, clock), lease_over(read_models, clock)
    assert leader.try_acquire()

    clock.now -= 3600  # the machine's clock set back an hour; the leader killed meanwhile
    assert standby.try_acquire()  # not an hour later
    assert not leader.still_held()


def test_the_fence_takes_the_write_lock_itself_and_fails_at_another_epoch(
    sqlite_store: tuple[Certification, ReadModels],
) -> None:
    _, read_models = sqlite_store
    clock = Clock()
    leader, standby = lease_over(read_models, clock), lease_over(read_models, clock)
    assert leader.try_acquire()
    database = read_models.engine.url.database
    assert database is not None

    with read_models.engine.begin() as batch:
        leader.fence(batch)  # the batch wrote nothing before it
        other = sqlite3.connect(database, timeout=0)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")  # held to the commit: no take-over now
        finally:
            other.close()

    clock.now += TIMEOUT + 0.1
    assert standby.try_acquire()
    with pytest.raises(LeadLost, match="epoch 2"), read_models.engine.begin() as batch:
        leader.fence(batch)


class Lead:
    """A lead that is always free, and says what was done with it."""

    def __init__(self, check: Exception | None = None) -> None:
        self.check = check
        self.released = 0

    def try_acquire(self) -> bool:
        return True

    def still_held(self) -> bool:
        if self.check is not None:
            raise self.check
        return True

    def fence(self, conn: Connection) -> None:
        pass  # always leads

    def release(self) -> None:
        self.released += 1

    def close(self) -> None:
        self.release()


def test_a_check_that_fails_in_an_unexpected_way_stands_the_leader_down() -> None:
    lead, stopping, followed = (
        Lead(check=RuntimeError("driver in a bad state")),
        threading.Event(),
        [],
    )

    def follow(lead_over: threading.Event) -> None:
        followed.append(lead_over.wait(5))  # True: told to stop; False: followed blind
        stopping.set()

    lead_then_follow(lead, stopping, follow, check_seconds=0.05)

    assert followed == [True]
    assert lead.released == 1


def test_the_lead_is_released_when_announcing_it_fails() -> None:
    lead = Lead()

    def announce(active: bool) -> None:
        raise OSError("stdout closed")

    with pytest.raises(OSError, match="stdout closed"):
        lead_then_follow(lead, threading.Event(), lambda _over: None, 0.05, announce)

    assert lead.released == 1


def test_a_leader_timeout_within_a_few_checks_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="at least 3 times"):
        Settings(projector_leader_check_seconds=1.0, projector_leader_timeout_seconds=2.0)
