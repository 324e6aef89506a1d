"""What `score run` prints, and the first programme-office account on an empty install."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.values import Role
from service.app.accounts import UserRow
from service.bootstrap.parts import build_accounts
from service.settings import Settings
from service.storage.database import create_service_engine, write_private_file

ADMIN = "admin"


def first_admin(settings: Settings) -> str | None:
    """On an install without users, create `admin` (hq) and return its password, once."""
    engine = create_service_engine(settings)
    try:
        with Session(engine) as session:
            if session.scalar(select(func.count()).select_from(UserRow)):
                return None
        password = secrets.token_urlsafe(12)
        build_accounts(settings, engine).create(ADMIN, password, Role.HQ, None)
        write_private_file(settings.data_dir / "admin-password", password + "\n", replace=True)
        return password
    finally:
        engine.dispose()


def welcome(settings: Settings, url: str, temporal: str, admin_password: str | None) -> str:
    ui = "http://127.0.0.1:8233" if settings.temporal_address is None else "(external Temporal)"
    login = (
        f"  log in as '{ADMIN}' with password {admin_password} (kept in "
        f"{settings.data_dir / 'admin-password'})"
        if admin_password
        else f"  log in with your users (first password: {settings.data_dir / 'admin-password'})"
    )
    return "\n".join(
        [
            "SCORE certification service is running (Ctrl-C stops everything):",
            f"  web pages     {url}/",
            f"  API docs      {url}/docs",
            f"  public list   {url}/public/trainers",
            f"  Temporal UI   {ui}   (frontend {temporal})",
            f"  event store   {settings.sqlalchemy_url}",
            login,
            f"  token:  curl -s -X POST {url}/auth/token -d 'username={ADMIN}&password=…'",
            "  more users:  .venv/bin/score users create NAME --role expert --email …",
        ]
    )
