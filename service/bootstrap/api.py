"""Builds the HTTP API: the FastAPI app wired to the event store, the read models and Temporal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service.adapters.mail import Outbox
from service.adapters.temporal_steps import WorkflowSteps
from service.app.audit.services import Audit
from service.app.certification import Certification
from service.app.idempotency import IdempotencyStore
from service.app.login import Logins
from service.app.materials import Materials
from service.app.ports import Steps
from service.bootstrap.parts import (
    build_accounts,
    build_certification,
    build_people_logins,
    build_read_models,
    jwt_secret,
)
from service.http.deps import Services
from service.http.main import create_app
from service.http.pages.site import install_pages
from service.settings import Settings
from service.storage.database import create_service_engine
from workflows.client import JourneyGateway
from workflows.worker import connect


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
        people_logins=build_people_logins(settings, engine, accounts, certification),
        outbox=Outbox(engine),
        materials=Materials(engine),
    )


def close_services(services: Services) -> None:
    services.read_models.engine.dispose()
    services.certification.close()


def create_api(settings: Settings) -> FastAPI:
    """The HTTP API; it connects to Temporal and opens the stores when it starts serving."""

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

    app = create_app(lifespan=lifespan)
    install_pages(app, settings, jwt_secret(settings))  # the web pages, beside the JSON API
    return app
