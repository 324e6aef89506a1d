"""The embedded default keeps its secrets to its owner: the data folder, the SQLite file, the
JWT secret and the first admin password are never readable by anyone else, not even for a
moment; an older install's modes are brought up to date as it starts, and its tables by
`score migrate`."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from domain.values import Role
from service.app.accounts import InvalidToken, User
from service.bootstrap.parts import build_accounts, build_certification, jwt_secret
from service.cli.welcome import first_admin
from service.migrations import head_revision, migrate
from service.settings import Settings
from service.storage.database import create_service_engine
from tests.postgres import scratch_database


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The worst case: a umask that lets everything be world-writable."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def cheap(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", argon2_memory_kib=1024, argon2_time_cost=1)


def test_a_fresh_install_creates_every_secret_owner_only_and_never_chmods(
    cheap: Settings, permissive_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_chmod(*args: object, **kwargs: object) -> None:
        raise AssertionError("created readable, then chmod-ed: a moment when others could read")

    monkeypatch.setattr(os, "chmod", no_chmod)
    migrate(cheap)  # an install begins with `score migrate`
    certification = build_certification(cheap)
    password = first_admin(cheap)
    secret = jwt_secret(cheap)
    data = cheap.data_dir
    engine = create_service_engine(cheap)
    with engine.connect() as conn:  # while open, SQLite keeps its -wal and -shm files
        conn.execute(text("SELECT count(*) FROM svc_users"))
        open_files = {f.name: mode(f) for f in data.glob("score.sqlite*")}
    engine.dispose()
    certification.close()
    kept = {"score.sqlite", "score.sqlite-wal", "score.sqlite-shm", "score.sqlite-migration-lock"}
    assert set(open_files) == kept
    assert set(open_files.values()) == {0o600}, open_files

    assert mode(data) == 0o700
    assert (data / "admin-password").read_text() == f"{password}\n"
    assert mode(data / "admin-password") == 0o600
    assert (data / "jwt-secret").read_text() == secret and len(secret) >= 32
    assert mode(data / "jwt-secret") == 0o600
    assert jwt_secret(cheap) == secret, "generated once"
    assert not list(data.glob(".*")), "no draft left behind"


def test_an_older_install_is_made_private(cheap: Settings, permissive_umask: None) -> None:
    data = cheap.data_dir
    data.mkdir(mode=0o755)
    database = data / "score.sqlite"
    create_engine(f"sqlite:///{database}").connect().close()
    database.chmod(0o644)

    create_service_engine(cheap).dispose()
    assert mode(data) == 0o700
    assert mode(database) == 0o600


def test_score_migrate_gives_an_older_users_table_the_new_columns_and_its_users_stay_active(
    settings: Settings, tmp_path: Path
) -> None:
    with ExitStack() as cleanup:
        url = settings.database_url and cleanup.enter_context(scratch_database("score_old"))
        current = settings.model_copy(
            update={
                "data_dir": tmp_path / "older",
                "database_url": url,
                "argon2_memory_kib": 1024,
                "argon2_time_cost": 1,
            }
        )
        current.data_dir.mkdir(parents=True)
        accounts = build_accounts(current, create_engine(current.sqlalchemy_url))
        old = create_engine(current.sqlalchemy_url)
        with old.begin() as conn:
            conn.execute(
                text(
                    "CREATE TABLE svc_users (username VARCHAR(120) PRIMARY KEY, "
                    "password_hash VARCHAR(255), role VARCHAR(16), trainer_id VARCHAR(36))"
                )
            )
            conn.execute(
                text("INSERT INTO svc_users VALUES ('ada', :hash, 'hq', NULL)"),
                {"hash": accounts.nobodys_hash},
            )
        old.dispose()

        migrate(current)
        engine = create_service_engine(current)
        accounts = build_accounts(current, engine)
        ada = accounts.user_from_token(accounts.issue_token(User("ada", Role.HQ, None)))
        assert ada == User("ada", Role.HQ, None), "an existing user is active"
        accounts.deactivate("ada")
        with pytest.raises(InvalidToken):
            accounts.user_from_token(accounts.issue_token(ada))
        engine.dispose()
        assert migrate(current) == head_revision(), "a second migrate finds nothing to add"
