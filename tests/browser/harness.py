"""The whole service with its pages, and what a browser story needs to drive it."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path

from axe_playwright_python.async_playwright import Axe
from fastapi import FastAPI
from playwright.async_api import BrowserContext, Page

from service.http.deps import Services
from service.http.main import create_app
from service.http.pages.site import install_pages
from tests.e2e.harness import PASSWORD, Stack, whole_service

CHROMIUM = "/usr/bin/chromium"
SESSION_SECRET = "browser-tests-session-secret-" + "s" * 32
SERIOUS = frozenset({"serious", "critical"})


def pages_app(services: Services) -> FastAPI:
    """The JSON API with the pages installed, as the composition root serves them."""
    app = create_app(services)
    install_pages(app, services.settings, SESSION_SECRET)
    return app


def pages_service(data_dir: Path, temporal: str) -> AbstractAsyncContextManager[Stack]:
    """As tests/e2e/harness.py's whole_service, with the pages installed in the app."""
    return whole_service(data_dir, temporal, None, pages_app)


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
