"""The whole service with its pages, and what a browser story needs to drive it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import BrowserContext, Page

from service.adapters.mail import build_notifier
from service.adapters.temporal_dev import free_port
from service.adapters.temporal_steps import WorkflowSteps
from service.bootstrap.api import build_services, close_services
from service.bootstrap.parts import build_certification
from service.http.deps import Services
from service.http.main import create_app
from service.http.pages.site import install_pages
from tests.e2e.harness import PASSWORD, Stack, e2e_settings, projector_running
from workflows.activities import CertificationActivities
from workflows.client import JourneyGateway
from workflows.worker import connect, running_worker

CHROMIUM = "/usr/bin/chromium"
SESSION_SECRET = "browser-tests-session-secret-" + "s" * 32
SERIOUS = frozenset({"serious", "critical"})


@asynccontextmanager
async def serving_pages(services: Services, port: int) -> AsyncIterator[str]:
    app = create_app(services)
    install_pages(app, services.settings, SESSION_SECRET)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving


@asynccontextmanager
async def pages_service(data_dir: Path, temporal: str) -> AsyncIterator[Stack]:
    """As tests/e2e/harness.py's whole_service, with the pages installed in the app."""
    settings = e2e_settings(data_dir, temporal, None)
    client = await connect(temporal)
    gateway = JourneyGateway.from_settings(client, settings)
    services = build_services(settings, lambda app: WorkflowSteps(gateway, app))
    worker_app, notifier = build_certification(settings), build_notifier(settings)
    activities = CertificationActivities(worker_app, notifier)
    try:
        async with (
            running_worker(client, settings.task_queue, activities),
            projector_running(settings),
            serving_pages(services, free_port()) as url,
        ):
            yield Stack(settings, services, url)
    finally:
        notifier.close()
        worker_app.close()
        close_services(services)


@dataclass
class Browsing:
    """One person at one browser: the service, their browser context and tab."""

    site: Stack
    context: BrowserContext
    page: Page
    screenshots: Path | None

    async def log_in(self, username: str) -> None:
        await self.page.goto("/login")
        await self.page.get_by_label("Username").fill(username)
        await self.page.get_by_label("Password").fill(PASSWORD)
        await self.page.get_by_role("button", name="Log in").click()
        await self.page.wait_for_url(lambda url: "/login" not in url)

    async def check_accessible(self) -> None:
        """axe-core, run in the page: no serious or critical violation."""
        results = await Axe().run(self.page)
        bad = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
        described = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
            for v in bad
        ]
        assert not bad, f"{self.page.url}: {described}"

    async def keep_screenshot(self, name: str) -> None:
        if self.screenshots is not None:
            self.screenshots.mkdir(parents=True, exist_ok=True)
            await self.page.screenshot(path=self.screenshots / f"{name}.png", full_page=True)
