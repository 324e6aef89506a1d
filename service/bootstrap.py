"""The composition root: everything is built here from Settings, and nowhere else."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from datetime import timedelta

from fastapi import FastAPI
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import Engine

from projections.store import ReadModels, read_models_at
from service.accounts import Accounts
from service.api.deps import Services
from service.api.main import create_app
from service.api.ports import Steps
from service.application import Certification
from service.audit.services import Audit
from service.database import (
    create_service_engine,
    prepare_storage,
    private_directory,
    write_private_file,
)
from service.idempotency import IdempotencyStore
from service.login import Logins
from service.settings import Settings


def build_certification(settings: Settings) -> Certification:
    prepare_storage(settings)
    return Certification(env=settings.eventsourcing_env())


def build_read_models(settings: Settings) -> ReadModels:
    return read_models_at(settings.sqlalchemy_url, settings.read_model_prefix)


def jwt_secret(settings: Settings) -> str:
    """The configured secret; on the embedded default, one generated once and kept in data/."""
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    private_directory(settings.data_dir)
    kept = settings.data_dir / "jwt-secret"
    if not kept.exists():
        # FileExistsError: a process starting beside this one wrote it first; use theirs.
        with suppress(FileExistsError):
            write_private_file(kept, secrets.token_urlsafe(48))
    return kept.read_text().strip()


def build_accounts(settings: Settings, engine: Engine) -> Accounts:
    hasher = PasswordHash(
        (Argon2Hasher(memory_cost=settings.argon2_memory_kib, time_cost=settings.argon2_time_cost),)
    )
    lifetime = timedelta(minutes=settings.token_minutes)
    return Accounts(engine, jwt_secret(settings), lifetime, hasher)


def build_services(settings: Settings, steps_for: Callable[[Certification], Steps]) -> Services:
    """`steps_for` builds the way steps are taken (the workflows) around the application."""
    engine = create_service_engine(settings)
    certification = build_certification(settings)
    accounts = build_accounts(settings, engine)
    return Services(
        settings=settings,
        certification=certification,
        accounts=accounts,
        logins=Logins.from_settings(settings, accounts),
        idempotency=IdempotencyStore(engine),
        steps=steps_for(certification),
        read_models=build_read_models(settings),
        audit=Audit.build(certification, engine),
    )


def close_services(services: Services) -> None:
    services.read_models.engine.dispose()
    services.certification.close()


def create_api(settings: Settings) -> FastAPI:
    """The HTTP API wired to the event store, the read models and Temporal."""
    from service.steps import WorkflowSteps
    from workflows.client import JourneyGateway
    from workflows.worker import connect

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        address = settings.temporal_address or "127.0.0.1:7233"
        client = await connect(address, settings.temporal_namespace)
        gateway = JourneyGateway.from_settings(client, settings)
        services = build_services(settings, lambda app_: WorkflowSteps(gateway, app_))
        app.state.services = services
        try:
            yield
        finally:
            close_services(services)

    return create_app(lifespan=lifespan)
