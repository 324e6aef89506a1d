"""Builds the HTTP API: the FastAPI app wired to the event store, the read models and Temporal."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from service.adapters.mail import Outbox
from service.adapters.temporal_steps import WorkflowSteps
from service.app.audit.services import Audit
from service.app.certification import Certification
from service.app.erasure import Erasure
from service.app.idempotency import IdempotencyStore
from service.app.login import Logins
from service.app.materials import Materials
from service.app.ports import Steps
from service.app.webhooks.store import Webhooks
from service.bootstrap.parts import (
    build_accounts,
    build_certification,
    build_credentials,
    build_people_logins,
    build_read_models,
    jwt_secret,
)
from service.bootstrap.telemetry import temporal_interceptors
from service.http.deps import Services
from service.http.main import create_app
from service.http.pages.session import served_on_loopback
from service.http.pages.site import install_pages
from service.migrations import require_schema
from service.settings import Settings
from service.storage.database import create_service_engine
from service.telemetry.tracing import trace_engine, tracing_configured
from workflows.client import JourneyGateway
from workflows.worker import connect


def build_services(settings: Settings, steps_for: Callable[[Certification], Steps]) -> Services:
    """`steps_for` builds the way steps are taken (the workflows) around the application."""
    engine = create_service_engine(settings)
    trace_engine(engine)
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
        credentials=build_credentials(settings, certification),
        webhooks=Webhooks(engine, settings.webhooks_allow_private),
        people_logins=build_people_logins(settings, engine, accounts, certification),
        outbox=Outbox(engine),
        erasure=Erasure(certification, engine),
        materials=Materials(engine),
    )


def close_services(services: Services) -> None:
    services.read_models.engine.dispose()
    services.certification.close()


class PublicBaseUrlUnset(RuntimeError):
    """An API that others reach, with no public URL for its credentials to name."""


def require_public_base_url(settings: Settings) -> None:
    """Refuse to serve beyond this machine with the local default as the public URL.

    The embedded default (`score run`, the API on a loopback address) may keep the default:
    nobody else reaches it. An API listening on another address (a deploy: 0.0.0.0) serves
    credentials, status lists and QR codes that name `public_base_url` for good, so it must
    be set explicitly; signed under http://127.0.0.1:8000 they could never be verified.
    """
    if "public_base_url" in settings.model_fields_set or served_on_loopback(settings.api_host):
        return
    raise PublicBaseUrlUnset(
        f"SCORE_PUBLIC_BASE_URL is not set, and the API listens on {settings.api_host}, "
        "beyond this machine. Credentials, status lists and the certificates' QR codes name "
        f"that URL for good (the default, {settings.public_base_url}, reaches no one else). "
        "Set SCORE_PUBLIC_BASE_URL to the lasting public address, e.g. https://score.example.org."
    )


def create_api(settings: Settings) -> FastAPI:
    """The HTTP API; it connects to Temporal and opens the stores when it starts serving.
    PublicBaseUrlUnset: it serves beyond this machine with no public URL configured."""
    require_public_base_url(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Before anything is opened: an unmigrated database is refused with what to do
        # (`score migrate`), not met later as a missing table in the middle of a request.
        # `score api` has waited for the schema already; this guards every other caller of
        # create_api. In a thread: the wait sleeps, and the event loop must still see Ctrl-C.
        await asyncio.to_thread(require_schema, settings)
        address = settings.temporal_address or "127.0.0.1:7233"
        client = await connect(address, settings.temporal_namespace, temporal_interceptors())
        gateway = JourneyGateway.from_settings(client, settings)
        services = build_services(settings, lambda app_: WorkflowSteps(gateway, app_))
        app.state.services = services
        try:
            yield
        finally:
            close_services(services)

    app = create_app(lifespan=lifespan)
    install_pages(app, settings, jwt_secret(settings))  # the web pages, beside the JSON API
    return traced(app)


# Probes and scrapes would be most of the traces, and tell nothing.
UNTRACED_PATHS = "/metrics,/health"


def traced(app: FastAPI) -> FastAPI:
    """A span per request (the root of a step's trace), when traces are configured."""
    if tracing_configured():
        FastAPIInstrumentor.instrument_app(app, excluded_urls=UNTRACED_PATHS)
    return app
