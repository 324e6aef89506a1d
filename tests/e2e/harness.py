"""The whole service in the test's process: dev server, worker, projector, API over real HTTP."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from domain.values import Role
from projections.projector import Projector
from service.adapters.mail import build_notifier
from service.adapters.temporal_dev import free_port
from service.adapters.temporal_steps import WorkflowSteps
from service.bootstrap.api import build_services, close_services
from service.bootstrap.parts import build_certification
from service.http.deps import Services
from service.http.main import create_app
from service.settings import Settings
from tests.migrated import migrated
from workflows.activities import CertificationActivities
from workflows.client import JourneyGateway
from workflows.worker import connect, running_worker

PASSWORD = "correct horse battery staple"


@dataclass
class Stack:
    settings: Settings
    services: Services
    base_url: str
    tokens: dict[str, str] = field(default_factory=dict)

    def events(self) -> int:
        """How many events the store holds: a refused request must not change it."""
        return self.services.certification.recorder.max_notification_id() or 0

    def client(self, user: str | None = None, **headers: str) -> httpx.AsyncClient:
        if user is not None:
            headers["Authorization"] = f"Bearer {self.tokens[user]}"
        return httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=30)

    async def add_user(
        self,
        username: str,
        role: Role,
        trainer_id: str | None = None,
        countries: str | None = None,
    ) -> None:
        self.services.accounts.create(username, PASSWORD, role, trainer_id, countries)
        async with self.client() as anonymous:
            reply = await anonymous.post(
                "/auth/token", data={"username": username, "password": PASSWORD}
            )
        reply.raise_for_status()
        self.tokens[username] = reply.json()["access_token"]


@asynccontextmanager
async def projector_running(settings: Settings) -> AsyncIterator[None]:
    certification = build_certification(settings)
    from service.bootstrap.parts import build_read_models

    read_models = build_read_models(settings)
    stopping = threading.Event()
    follower = Projector(certification, read_models)
    thread = threading.Thread(target=follower.run_until, args=(stopping, 0.01), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stopping.set()
        thread.join(timeout=10)
        read_models.engine.dispose()
        certification.close()


@asynccontextmanager
async def api_serving(
    services: Services, port: int, app: FastAPI | None = None
) -> AsyncIterator[str]:
    """The API over `services` (or the given `app`, built around them) on `port`."""
    config = uvicorn.Config(
        app or create_app(services),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving


def e2e_settings(
    data_dir: Path, temporal: str, database_url: str | None, **overrides: Any
) -> Settings:
    """A migrated store of its own, a task queue of its own, and password hashing made cheap
    (for tests only)."""
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        temporal_address=temporal,
        task_queue=f"e2e-{uuid.uuid4().hex[:10]}",
        argon2_memory_kib=1024,
        argon2_time_cost=1,
        **overrides,
    )
    return migrated(settings)


@asynccontextmanager
async def whole_service(
    data_dir: Path,
    temporal: str,
    database_url: str | None,
    app: Callable[[Services], FastAPI] | None = None,
) -> AsyncIterator[Stack]:
    """Worker, projector and HTTP server in this process; `app` builds the served app around
    the services (the browser stories install the pages), else the JSON API alone."""
    settings = e2e_settings(data_dir, temporal, database_url)
    client = await connect(temporal)
    gateway = JourneyGateway.from_settings(client, settings)
    services = build_services(settings, lambda app: WorkflowSteps(gateway, app))
    worker_app, notifier = build_certification(settings), build_notifier(settings)
    activities = CertificationActivities(worker_app, notifier)
    try:
        async with (
            running_worker(client, settings.task_queue, activities),
            projector_running(settings),
            api_serving(services, free_port(), app and app(services)) as url,
        ):
            yield Stack(settings, services, url)
    finally:
        notifier.close()
        worker_app.close()
        close_services(services)
