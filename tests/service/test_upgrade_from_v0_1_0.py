"""A store written by release v0.1.0 is upgraded in place by `score migrate`, and verifies intact.

tests/fixtures/v0.1.0 holds the demo data as `score run --demo` of tag v0.1.0 stored it
(how: tests/fixtures/v0.1.0/README.md): a SQLite file and a PostgreSQL dump, each with the
events, their hash chain, the read models, the users and the outbox of that release.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from eventsourcing.utils import get_topic
from sqlalchemy import text
from typer.testing import CliRunner, Result

from domain.enterprise import Enterprise
from domain.errors import AlreadyExists
from domain.values import Actor, Role
from service.bootstrap.parts import build_accounts, build_certification
from service.cli.commands import app as cli
from service.migrations import head_revision
from service.settings import Settings
from service.storage.database import create_service_engine
from tests.postgres import scratch_database
from tests.service.test_migrations import declared_tables, schema_differences

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "v0.1.0"
EVENTS = 522  # what the demo of v0.1.0 stored, its workflows' reminders included
DEMO_PASSWORD = "demo"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def restored(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """The v0.1.0 store restored into a scratch place, the command line pointed at it."""
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    monkeypatch.setenv("SCORE_DATA_DIR", str(data))
    monkeypatch.setenv("SCORE_ARGON2_MEMORY_KIB", "1024")  # the stored hashes keep their own
    monkeypatch.setenv("SCORE_ARGON2_TIME_COST", "1")
    if request.param == "sqlite":
        with (
            gzip.open(FIXTURES / "score.sqlite.gz") as dump,
            (data / "score.sqlite").open("wb") as db,
        ):
            shutil.copyfileobj(dump, db)
        monkeypatch.delenv("SCORE_DATABASE_URL", raising=False)
        yield Settings()
        return
    with scratch_database("score_v010") as url:
        restore_postgres_dump(url, FIXTURES / "postgres.sql.gz")
        monkeypatch.setenv("SCORE_DATABASE_URL", url)
        yield Settings()


def restore_postgres_dump(url: str, dump: Path) -> None:
    """psql, as an operator restores a plain pg_dump; stops at the first error."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    subprocess.run(
        ["psql", "--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-d", dsn],
        input=gzip.decompress(dump.read_bytes()),
        check=True,
        capture_output=True,
    )


def score(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_score_migrate_upgrades_a_v0_1_0_store_and_the_audit_verifies_it_intact(
    restored: Settings,
) -> None:
    migrated = score("migrate")
    assert migrated.exit_code == 0, migrated.output
    assert f"database at revision {head_revision()}" in migrated.output

    verified = score("audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert f"checked {EVENTS} events" in verified.output
    assert "0 chains broken" in verified.output

    app = build_certification(restored)
    engine = create_service_engine(restored)
    try:
        assert schema_differences(engine, declared_tables(app, restored.read_model_prefix)) == []
    finally:
        engine.dispose()
        app.close()


def test_the_upgraded_store_serves_its_read_models_and_its_users(restored: Settings) -> None:
    assert score("migrate").exit_code == 0

    status = score("projector", "status")
    assert status.exit_code == 0, status.output
    assert f"event store at {EVENTS}; read models at {EVENTS}" in status.output
    rebuilt = score("rebuild-read-models")
    assert rebuilt.exit_code == 0, rebuilt.output  # the stored rows equal today's projection
    assert f"rebuilt up to position {EVENTS}" in rebuilt.output and " 0 differ" in rebuilt.output

    engine = create_service_engine(restored)
    try:
        accounts = build_accounts(restored, engine)
        office = accounts.authenticate("office", DEMO_PASSWORD)
        assert office is not None, "a user of v0.1.0 logs in, active"
        assert office.role is Role.HQ
        assert accounts.user_from_token(accounts.issue_token(office)) == office
        accounts.deactivate("office")  # the columns the upgrade added are in use
        assert accounts.authenticate("office", DEMO_PASSWORD) is None
    finally:
        engine.dispose()


COUNTRY_EVENTS = ("Trainer.Registered", "Enterprise.Registered", "ToTWorkshop.Scheduled")
DEMO_COUNTRIES = {"India": "IN", "Pakistan": "PK", "Colombia": "CO", "Viet Nam": "VN"}
DEMO_COUNTRIES |= {"Ghana": "GH", "Indonesia": "ID"}


def test_the_countries_v0_1_0_typed_read_as_iso_codes_while_their_bytes_stay(
    restored: Settings,
) -> None:
    assert score("migrate").exit_code == 0

    app = build_certification(restored)
    try:
        stored = [
            n
            for n in app.recorder.select_notifications(1, EVENTS)
            if n.topic.endswith(COUNTRY_EVENTS)
        ]
        assert stored and all(b"class_version" not in n.state for n in stored)  # version 1
        read = [vars(app.mapper.to_domain_event(n)) for n in stored]
    finally:
        app.close()
    assert {(e["country_as_recorded"], e["country"]) for e in read} == set(DEMO_COUNTRIES.items())

    engine = create_service_engine(restored)
    try:
        with engine.connect() as conn:
            listed = conn.execute(text("SELECT DISTINCT country FROM rm_public_trainers")).scalars()
            assert set(listed) <= set(DEMO_COUNTRIES.values())  # the migration's codes
    finally:
        engine.dispose()

    verified = score("audit", "verify")
    assert verified.exit_code == 0 and "0 chains broken" in verified.output, verified.output


def test_backfill_registers_claims_the_names_of_v0_1_0_firms_and_moves_old_merges_logins(
    restored: Settings,
) -> None:
    assert score("migrate").exit_code == 0
    office, at = Actor("office", Role.HQ), datetime.now(UTC)
    app = build_certification(restored)
    engine = create_service_engine(restored)
    try:
        firms = [
            n.originator_id
            for n in app.recorder.select_notifications(
                1, EVENTS, topics=(get_topic(Enterprise.Registered),)
            )
        ]
        named = [app.enterprise(firm).details for firm in firms]
        # v0.1.0 typed the country as free text: the fallback of today's code misses its
        # firms, so a second registration of one of them went through before the backfill.
        copy = replace(named[1], name=f"  {named[1].name.upper()} ")
        twin_firm = app.register_enterprise(copy, office, "copy", at).state.enterprise_id
        # A merge recorded before logins moved with it: the twin's login stayed behind.
        person = app.register_trainer("Ana Twin", "ana@example.org", "CO", office, "t1", at)
        twin = app.register_trainer("Ana Twin", "ana.2@example.org", "CO", office, "t2", at)
        accounts = build_accounts(restored, engine)
        accounts.create("ana-twin", "a long enough password", Role.TRAINER, twin.state.trainer_id)
        app.merge_trainers(person.state.trainer_id, twin.state.trainer_id, "twice", office, "m", at)
    finally:
        app.close()

    first = score("backfill-registers")
    again = score("backfill-registers")

    assert first.exit_code == again.exit_code == 0, first.output
    assert (
        f"{len(firms) - 1} enterprise names claimed, 1 held already, 1 held by another firm; "
        "1 merged records, 1 logins moved"
    ) in first.output
    assert f"enterprise {firms[1]} is named {named[1].name}" in first.output
    assert f"enterprise {twin_firm} holds" in first.output
    assert "0 enterprise names claimed" in again.output and "0 logins moved" in again.output
    assert accounts.logins_of(person.state.trainer_id)[0].username == "ana-twin"
    app = build_certification(restored)
    try:
        with pytest.raises(AlreadyExists, match=str(firms[0])):
            app.register_enterprise(named[0], office, "x", at)
    finally:
        app.close()
        engine.dispose()
