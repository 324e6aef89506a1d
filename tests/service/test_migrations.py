"""`score migrate` makes every table, one migrator at a time; every other process only checks
that the database is at the revision it needs, and says what to do when it is not."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, Table, inspect, text
from typer.testing import CliRunner

import service.app.accounts
import service.app.audit.access_log
import service.app.idempotency
import service.app.invitations
import service.app.materials
import service.app.webhooks.store
from projections.skips import SkipList
from projections.tables import make_tables
from service.app.certification import Certification
from service.bootstrap.api import create_api
from service.bootstrap.parts import build_certification
from service.cli.commands import app as cli
from service.migrations import SchemaBehind, head_revision, migrate, stored_revision
from service.settings import Settings
from service.storage.chain import chain_table
from service.storage.database import ServiceTables, create_service_engine
from service.storage.outbox import OUTBOX
from tests.postgres import scratch_database

ROOT = Path(__file__).resolve().parents[2]
# The modules whose tables ServiceTables collects; imported for that.
SERVICE_TABLE_MODULES = (
    service.app.accounts,
    service.app.audit.access_log,
    service.app.idempotency,
    service.app.invitations,
    service.app.materials,
    service.app.webhooks.store,
)


def declared_tables(app: Certification, prefix: str) -> MetaData:
    """Every table as the code declares it now: ours, the read models and the event store's."""
    recorder: Any = app.recorder  # eventsourcing-sqlalchemy's, which ships no type hints
    events: Table = recorder.events_record_cls.__table__
    declared = MetaData()
    for table in (
        *ServiceTables.metadata.tables.values(),
        OUTBOX,
        *make_tables(prefix).metadata.tables.values(),
        events,
        chain_table(events),
        SkipList.of(app).table,
    ):
        table.to_metadata(declared)
    return declared


def schema_differences(engine: Engine, declared: MetaData) -> list[object]:
    """What Alembic's autogenerate would change to make the database match the code."""
    with engine.connect() as conn:
        # SQLite reports BINARY(16) back as NUMERIC: types are compared on PostgreSQL only.
        options = {"compare_type": conn.dialect.name != "sqlite"}
        return list(compare_metadata(MigrationContext.configure(conn, opts=options), declared))


def test_a_fresh_store_is_migrated_to_exactly_the_tables_the_code_declares(
    settings: Settings, app: Certification
) -> None:
    engine = create_service_engine(settings)
    try:
        assert stored_revision(engine) == head_revision()
        assert schema_differences(engine, declared_tables(app, settings.read_model_prefix)) == []
    finally:
        engine.dispose()


def test_the_read_model_tables_take_the_configured_prefix(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", read_model_prefix="live_")
    migrate(settings)
    engine = create_service_engine(settings)
    try:
        tables = set(inspect(engine).get_table_names())
        assert {"live_journeys", "live_tracking", "live_projector_status"} <= tables
        assert not {t for t in tables if t.startswith("rm_")}
    finally:
        engine.dispose()


def test_migrating_again_changes_nothing(settings: Settings) -> None:
    assert migrate(settings) == head_revision()
    assert migrate(settings) == head_revision()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings of a database nobody has migrated yet."""
    if request.param == "sqlite":
        yield Settings(data_dir=tmp_path / "data")
        return
    with scratch_database("score_fresh") as url:
        yield Settings(data_dir=tmp_path / "data", database_url=url)


def score_process(settings: Settings, *args: str, module: bool = True) -> subprocess.Popen[str]:
    """`score ARGS` (or, not `module`, `python ARGS`) as its own process, pointed at `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCORE_")}
    env |= {"PYTHONPATH": str(ROOT), "SCORE_DATA_DIR": str(settings.data_dir)}
    if settings.database_url:
        env["SCORE_DATABASE_URL"] = settings.database_url
    command = [sys.executable, *(["-m", "service.cli"] if module else []), *args]
    return subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def test_migrators_started_together_on_a_fresh_database_both_succeed(fresh: Settings) -> None:
    # Before migrations, processes starting together raced to create the tables and the
    # loser failed (UniqueViolation on PostgreSQL); now one migrates, the other waits.
    migrators = [score_process(fresh, "migrate") for _ in range(3)]
    outputs = [m.communicate(timeout=120)[0] for m in migrators]
    assert [m.returncode for m in migrators] == [0, 0, 0], outputs
    assert all(f"database at revision {head_revision()}" in o for o in outputs), outputs
    engine = create_service_engine(fresh)
    try:
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
            assert list(versions) == [head_revision()]
    finally:
        engine.dispose()


# A migrator that imports everything first, then migrates at an agreed instant: processes
# started one after another overlap by chance only; these start migrating within ~1 ms.
MIGRATE_AT = """
import sys, time
from service.migrations import migrate
from service.settings import Settings
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
print(f"database at revision {migrate(Settings())}")
"""


def test_migrators_migrating_at_the_same_instant_serialise_on_the_lock(fresh: Settings) -> None:
    instant = time.time() + 8  # time enough for each to import (two busy cores)
    migrators = [
        score_process(fresh, "-c", MIGRATE_AT, str(instant), module=False) for _ in range(4)
    ]
    outputs = [m.communicate(timeout=120)[0] for m in migrators]
    assert [m.returncode for m in migrators] == [0] * len(migrators), outputs
    assert all(f"database at revision {head_revision()}" in o for o in outputs), outputs


def test_a_process_on_a_database_not_migrated_says_to_run_score_migrate(
    fresh: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_the_command_line_at(fresh, monkeypatch)
    monkeypatch.setenv("SCORE_SCHEMA_WAIT_SECONDS", "0.3")
    refused = CliRunner().invoke(cli, ["check"])
    assert refused.exit_code == 1
    assert "not migrated yet" in refused.output
    assert "Run `score migrate`" in refused.output

    assert CliRunner().invoke(cli, ["migrate"]).exit_code == 0
    checked = CliRunner().invoke(cli, ["check"])
    assert checked.exit_code == 0, checked.output
    assert "event store ok: 0 events" in checked.output


async def test_an_api_started_on_a_database_not_migrated_refuses_to_start_and_says_why(
    fresh: Settings,
) -> None:
    api = create_api(fresh.model_copy(update={"schema_wait_seconds": 0.3}))
    with pytest.raises(SchemaBehind, match=r"not migrated yet.*Run `score migrate`"):
        async with api.router.lifespan_context(api):
            pytest.fail("the API started on a database without its tables")


def test_a_process_started_beside_score_migrate_waits_for_it(fresh: Settings) -> None:
    checking = score_process(fresh, "check")  # starts first, finds no tables, waits
    migrating = score_process(fresh, "migrate")
    assert migrating.wait(timeout=120) == 0
    output = checking.communicate(timeout=120)[0]
    assert checking.returncode == 0, output
    assert "event store ok: 0 events" in output


def test_a_database_migrated_by_a_newer_release_is_refused_at_once(
    fresh: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate(fresh)
    engine = create_service_engine(fresh)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'from_the_future'"))
    engine.dispose()
    point_the_command_line_at(fresh, monkeypatch)
    monkeypatch.setenv("SCORE_SCHEMA_WAIT_SECONDS", "60")  # refused without waiting
    for command in ("check", "migrate"):
        refused = CliRunner().invoke(cli, [command])
        assert refused.exit_code == 1
        assert "revision from_the_future, which this release does not know" in refused.output


def test_no_process_creates_the_event_store_tables_itself(fresh: Settings) -> None:
    fresh.data_dir.mkdir(parents=True)
    app = build_certification(fresh)  # as every process builds it; nothing migrated
    engine = create_service_engine(fresh)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()
        app.close()


def point_the_command_line_at(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORE_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("SCORE_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("SCORE_DATABASE_URL", raising=False)
