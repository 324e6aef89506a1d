"""The pages in headless Chromium (Debian's /usr/bin/chromium) against the whole service.

One service per test module (Temporal dev server, worker, projector, API with the pages, on
SQLite and free ports), one browser per session, a fresh browser context (cookies) per test.
Skipped, saying why, only where Chromium is not installed.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, async_playwright

from service.adapters.temporal_dev import DevServer
from tests.browser.harness import CHROMIUM, Browsing, pages_service
from tests.e2e.harness import Stack

if not Path(CHROMIUM).exists():
    pytest.skip(
        f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests",
        allow_module_level=True,
    )


@pytest_asyncio.fixture(scope="session")
async def browser_temporal() -> AsyncIterator[DevServer]:
    async with DevServer() as server:
        yield server


@pytest_asyncio.fixture(scope="module")
async def site(
    browser_temporal: DevServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    data_dir = tmp_path_factory.mktemp("browser") / "data"
    async with pages_service(data_dir, browser_temporal.address) as running:
        yield running


@pytest_asyncio.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture
async def browsing(browser: Browser, site: Stack) -> AsyncIterator[Browsing]:
    context = await browser.new_context(base_url=site.base_url, locale="en-GB")
    context.set_default_timeout(20_000)
    try:
        yield Browsing(site, context, await context.new_page(), _screenshots())
    finally:
        await context.close()


def _screenshots() -> Path | None:
    """Where to keep screenshots of the main pages: SCORE_SCREENSHOTS=docs/screenshots."""
    folder = os.environ.get("SCORE_SCREENSHOTS")
    return Path(folder) if folder else None
