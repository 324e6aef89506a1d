"""Backup and restore, as docs/operations.md tells an operator to do it, into a fresh database.

The store is backed up while the service could be writing (SQLite's online backup, the
`sqlite3 … ".backup …"` of the procedure; PostgreSQL's `pg_dump -Fc`), restored where nothing
was (a new data folder; `pg_restore` into a new database), and then `score audit verify` is run
on the restored copy: every event's hash chain must hold, the read models must equal a
rebuild from the restored events, and the signing keys folder must come back byte for byte.
"""

from __future__ import annotations

import sqlite3
import subprocess
import tarfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from domain.values import Actor, Role
from projections.projector import Projector
from projections.rebuild import rebuild_and_compare
from service.app.credentials.keys import IssuerKeys
from service.bootstrap.parts import build_certification, build_read_models
from service.settings import Settings
from tests.cluster import REPO, score, settings_env
from tests.migrated import migrated
from tests.postgres import SERVER, scratch_database

OFFICE = Actor("office", Role.HQ)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def with_some_history(settings: Settings, trainers: int = 5) -> int:
    """Trainers registered and projected, and the issuer's signing key made as the service
    makes it (data/issuer-keys); the event count."""
    app, read_models = build_certification(settings), build_read_models(settings)
    try:
        for i in range(trainers):
            app.register_trainer(
                f"Backup Person {i}",
                f"{uuid.uuid4().hex[:8]}@example.org",
                "PE",
                OFFICE,
                uuid.uuid4().hex,
                datetime.now(UTC),
            )
        Projector(app, read_models).catch_up()
        IssuerKeys.at(settings.issuer_key_dir)
        return app.recorder.max_notification_id() or 0
    finally:
        read_models.engine.dispose()
        app.close()


def back_up_keys(data_dir: Path, archive: Path) -> None:
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(data_dir / "issuer-keys", arcname="issuer-keys")


def restore_keys(archive: Path, data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        tar.extractall(data_dir, filter="data")


def back_up_and_restore_sqlite(settings: Settings, backups: Path, restored: Path) -> Settings:
    source = make_url(settings.sqlalchemy_url).database
    assert source is not None
    with sqlite3.connect(source) as live, sqlite3.connect(backups / "score.sqlite") as copy:
        live.backup(copy)  # the online backup: consistent while writers carry on
    restored.mkdir(parents=True)
    (restored / "score.sqlite").write_bytes((backups / "score.sqlite").read_bytes())
    return Settings(data_dir=restored)


def back_up_and_restore_postgres(settings: Settings, backups: Path, fresh_url: str) -> Settings:
    dump = backups / "score.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), _dsn(settings.sqlalchemy_url)], check=True)
    subprocess.run(["pg_restore", "--no-owner", "-d", _dsn(fresh_url), str(dump)], check=True)
    return Settings(data_dir=backups.parent / "restored", database_url=fresh_url)


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def databases(backend: str) -> Iterator[tuple[str | None, str | None]]:
    with ExitStack() as cleanup:
        if backend == "sqlite":
            yield None, None
        else:
            yield (
                cleanup.enter_context(scratch_database("score_backup")),
                cleanup.enter_context(scratch_database("score_restore")),
            )


def test_a_backup_restored_into_a_fresh_database_is_verified_intact_by_the_audit(
    backend: str, databases: tuple[str | None, str | None], tmp_path: Path
) -> None:
    live_url, fresh_url = databases
    settings = migrated(Settings(data_dir=tmp_path / "live", database_url=live_url))
    events = with_some_history(settings)
    backups = tmp_path / "backups"
    backups.mkdir()
    back_up_keys(settings.data_dir, backups / "keys.tar.gz")

    if fresh_url is None:
        restored = back_up_and_restore_sqlite(settings, backups, tmp_path / "restored")
    else:
        assert _is_empty(fresh_url)
        restored = back_up_and_restore_postgres(settings, backups, fresh_url)
    restore_keys(backups / "keys.tar.gz", restored.data_dir)

    verify = subprocess.run(
        [*score("audit", "verify")],
        cwd=REPO,
        env=settings_env(restored) | {"PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert f"{events} events" in verify.stdout, verify.stdout
    app, read_models = build_certification(restored), build_read_models(restored)
    try:
        assert (app.recorder.max_notification_id() or 0) == events
        rebuilt = rebuild_and_compare(app, read_models)
    finally:
        read_models.engine.dispose()
        app.close()
    assert rebuilt.identical and rebuilt.rows_compared > 0, rebuilt.differences[:3]
    # The restored keys sign as before: credentials issued before the backup still verify.
    before = IssuerKeys.at(settings.issuer_key_dir).jwks()
    assert IssuerKeys.at(restored.data_dir / "issuer-keys").jwks() == before


def _is_empty(url: str) -> bool:
    name = make_url(url).database
    with psycopg.connect(SERVER.rsplit("/", 1)[0] + f"/{name}") as conn:
        count = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()
    return count is not None and count[0] == 0
