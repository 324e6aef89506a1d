"""Start the whole service as `score run` lays it out, around a given dev server.

Child processes, as in production: the real `score api` (uvicorn, uvloop, httptools), the
worker (`bench.stack.worker`: the real worker plus the baselines) and the projector
(`bench.stack.projector`). The benchmark process is the client: HTTP calls, Temporal calls
for the baselines, and the set-up (people are registered through the application directly;
only what is measured goes through HTTP).
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from temporalio.client import Client

from bench.stack import journal
from service.accounts import Accounts
from service.application import Certification
from service.bootstrap import build_accounts, build_certification
from service.database import create_service_engine
from service.launcher import Children, api_ready, children
from service.migrations import migrate
from service.settings import Settings
from service.temporal_dev import free_port
from tests.cluster import READY_TIMEOUT, settings_env, wait_for_line
from workflows.client import JourneyGateway, reminder_policy
from workflows.worker import connect


@dataclass
class ServiceStack:
    settings: Settings
    api_url: str
    client: Client  # the benchmark's own Temporal client, for baselines and gateways
    app: Certification  # the benchmark's own handle on the event store, for set-up
    accounts: Accounts
    journal_dir: Path
    processes: Children
    server_pid: int | None = None  # the dev server, when we started it

    def queue(self, *, baseline: bool = False, sandboxed: bool = True) -> str:
        """Task queues the worker process polls (see bench.stack.worker)."""
        name = self.settings.task_queue + ("-baseline" if baseline else "")
        return name if sandboxed else f"{name}-plain"

    def gateway(self, *, sandboxed: bool = True) -> JourneyGateway:
        policy = reminder_policy(self.settings)
        return JourneyGateway(self.client, self.queue(sandboxed=sandboxed), policy)

    def appends(self, since: float, until: float) -> list[list[float]]:
        """[t, save seconds, last notification id, events] per save in the worker."""
        return journal.read(self.journal_dir / journal.APPENDS, since, until)

    def commits(self, since: float = 0.0) -> list[list[float]]:
        """[t, position] per batch the projector committed."""
        return journal.read(self.journal_dir / journal.COMMITS, since)

    def pid(self, name: str) -> int:
        return self.processes[name].pid

    def pids(self) -> dict[str, int]:
        """Every process a step runs through: ours, and the dev server's."""
        found = {name: process.pid for name, process in self.processes.items()}
        if self.server_pid is not None:
            found["temporal"] = self.server_pid
        return found


def stack_settings(data_dir: Path, temporal: str, database_url: str | None) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        temporal_address=temporal,
        task_queue=f"bench-{uuid.uuid4().hex[:8]}",
        api_port=free_port(),
        # Only logging in hashes passwords; steps check a JWT. Cheap hashing makes set-up fast.
        argon2_memory_kib=1024,
        argon2_time_cost=1,
    )


@asynccontextmanager
async def service_stack(
    root: Path, temporal: str, database_url: str | None = None, server_pid: int | None = None
) -> AsyncIterator[ServiceStack]:
    settings = stack_settings(root / "data", temporal, database_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings)
    journal_dir, logs = root / "journal", root / "logs"
    journal_dir.mkdir(exist_ok=True)
    app = build_certification(settings)
    engine = create_service_engine(settings)
    accounts = build_accounts(settings, engine)  # also writes the JWT secret the API will read
    python = sys.executable
    commands = {
        "worker": [python, "-m", "bench.stack.worker", str(journal_dir)],
        "projector": [python, "-m", "bench.stack.projector", str(journal_dir)],
        "api": [python, "-m", "service.cli", "api"],
    }
    client = await connect(temporal)
    try:
        with children(commands, settings_env(settings), logs) as processes:
            running = processes.values()
            await wait_for_line(logs / "worker.log", "worker: ready", *running)
            await wait_for_line(logs / "projector.log", "projector: ready", *running)
            url = f"http://{settings.api_host}:{settings.api_port}"
            await api_ready(url, processes, READY_TIMEOUT)
            yield ServiceStack(
                settings, url, client, app, accounts, journal_dir, processes, server_pid
            )
    finally:
        app.close()
        engine.dispose()
