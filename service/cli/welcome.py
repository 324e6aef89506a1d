"""What `score run` prints, and the first programme-office account on an empty install."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import func, make_url, select
from sqlalchemy.orm import Session

from domain.values import Role
from service.app.accounts import UserRow
from service.bootstrap.parts import build_accounts
from service.settings import Settings
from service.storage.database import create_service_engine, write_private_file

ADMIN = "admin"


def first_admin(settings: Settings) -> str | None:
    """On an install without users, create `admin` (hq) and return its password, once.

    The password is `admin_password` when configured (a deploy's secret; then it is not
    written to disk), otherwise a random one kept in data_dir/admin-password.
    """
    engine = create_service_engine(settings)
    try:
        with Session(engine) as session:
            if session.scalar(select(func.count()).select_from(UserRow)):
                return None
        configured = settings.admin_password
        password = configured.get_secret_value() if configured else secrets.token_urlsafe(12)
        build_accounts(settings, engine).create(ADMIN, password, Role.HQ, None)
        if configured is None:
            write_private_file(settings.data_dir / "admin-password", password + "\n", replace=True)
        return password
    finally:
        engine.dispose()


def welcome(settings: Settings, url: str, temporal: str, admin_password: str | None) -> str:
    ui = "http://127.0.0.1:8233" if settings.temporal_address is None else "(external Temporal)"
    if admin_password and settings.admin_password is not None:
        login = f"  log in as '{ADMIN}' with the password of SCORE_ADMIN_PASSWORD"
    elif admin_password:
        kept = settings.data_dir / "admin-password"
        login = f"  log in as '{ADMIN}' with password {admin_password} (kept in {kept})"
    else:
        login = f"  log in with your users (first password: {settings.data_dir / 'admin-password'})"
    store = make_url(settings.sqlalchemy_url).render_as_string(hide_password=True)
    return "\n".join(
        [
            "SCORE certification service is running (Ctrl-C stops everything):",
            f"  web pages     {url}/",
            f"  API docs      {url}/docs",
            f"  public list   {url}/public/trainers",
            f"  Temporal UI   {ui}   (frontend {temporal})",
            f"  event store   {store}",
            login,
            f"  token:  curl -s -X POST {url}/auth/token -d 'username={ADMIN}&password=…'",
            "  more users:  .venv/bin/score users create NAME --role expert --email …",
        ]
    )


def observability(
    settings: Settings, url: str, logs: Path, ports: Mapping[str, Mapping[str, str]]
) -> str:
    """Where an operator finds each process's logs, metrics and traces."""

    def endpoint(port: str | int | None) -> str:
        return f"http://{settings.api_host}:{port}/metrics" if port else "off"

    def own(child: Mapping[str, str]) -> str | int | None:
        return child.get("SCORE_METRICS_PORT") or settings.metrics_port

    worker, projector = ports.get("worker", {}), ports.get("projector", {})
    sdk = worker.get("SCORE_TEMPORAL_METRICS_PORT") or settings.temporal_metrics_port
    traces = (
        f"OTLP/HTTP to {settings.otlp_endpoint}"
        if settings.otlp_endpoint
        else "off (set SCORE_OTLP_ENDPOINT)"
    )
    return "\n".join(
        [
            f"  logs          {logs}/{{api,worker,projector,temporal}}.log "
            f"({settings.log_format}; SCORE_LOG_FORMAT=json for a collector)",
            f"  metrics       api {url}/metrics",
            f"                worker {endpoint(own(worker))} · Temporal SDK {endpoint(sdk)}",
            f"                projector {endpoint(own(projector))}",
            f"  traces        {traces}",
        ]
    )
