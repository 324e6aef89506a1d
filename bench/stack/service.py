"""Start the whole service as `score run` lays it out, around a given dev server."""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from temporalio.client import Client

from bench.stack import journal
from service.adapters.temporal_dev import free_port
from service.app.accounts import Accounts
from service.app.certification import Certification
from service.bootstrap.parts import build_accounts, build_certification
from service.cli.launcher import Children, api_ready, children
from service.migrations import migrate
from service.settings import Settings
from service.storage.database import create_service_engine
from tests.cluster import READY_TIMEOUT, score, settings_env, wait_for_line
from workflows.worker import connect

EVERY_PROCESS = ("worker", "projector", "baseline", "api")
READY_LINES = {"worker": "worker: Temporal at", "projector": "projector:", "baseline": "ready"}


@dataclass
class ServiceStack:
    settings: Settings
    api_url: str
    client: Client  # the benchmark's own Temporal client, for the baselines
    app: Certification  # the benchmark's own handle on the event store, for set-up
    accounts: Accounts
    engine: Engine  # the service's own tables: users, outbox, idempotency keys
    journal_dir: Path
    processes: Children
    server_pid: int | None = None  # the dev server, when we started it

    def baseline_queue(self, *, sandboxed: bool = True) -> str:
        name = f"{self.settings.task_queue}-baseline"
        return name if sandboxed else f"{name}-plain"

    def appends(self, since: float, until: float) -> list[list[float]]:
        """[t, save seconds, last notification id, events] per save in the worker."""
        return journal.read(self.journal_dir / journal.APPENDS, since, until)

    def commits(self) -> list[list[float]]:
        """[t, position] per batch the projector committed."""
        return journal.read(self.journal_dir / journal.COMMITS)

    def pid(self, name: str) -> int:
        return self.processes[name].pid

    def pids(self) -> dict[str, int]:
        """Every process a step runs through: ours, and the dev server's."""
        found = {name: process.pid for name, process in self.processes.items()}
        if self.server_pid is not None:
            found["temporal"] = self.server_pid
        return found


def stack_settings(data_dir: Path, temporal: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "temporal_address": temporal,
        "task_queue": f"bench-{uuid.uuid4().hex[:8]}",
        "api_port": free_port(),
        # Only logging in hashes passwords; steps check a JWT. Cheap hashing: fast set-up.
        "argon2_memory_kib": 1024,
        "argon2_time_cost": 1,
    }
    return Settings(**(values | overrides))  # type: ignore[arg-type]


def open_store(settings: Settings) -> Certification:
    """The event store at `settings`, ready for use: the one place the bench opens a store,
    always before any process of the service starts on it."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings)  # no process makes tables: the schema comes first, as in the deploy
    return build_certification(settings)


def commands(settings: Settings, journal_dir: Path) -> dict[str, list[str]]:
    journaled = [sys.executable, "-m", "bench.stack.journal", str(journal_dir)]
    baseline_queue = f"{settings.task_queue}-baseline"
    address = str(settings.temporal_address)
    return {
        "worker": journaled + score("worker"),
        "projector": journaled + score("projector"),
        "baseline": [sys.executable, "-m", "bench.baseline", address, baseline_queue],
        "api": score("api"),
    }


@asynccontextmanager
async def service_stack(
    settings: Settings,
    root: Path,
    server_pid: int | None = None,
    processes: Collection[str] = EVERY_PROCESS,
) -> AsyncIterator[ServiceStack]:
    journal_dir, logs = root / "journal", root / "logs"
    journal_dir.mkdir(parents=True, exist_ok=True)
    app = open_store(settings)
    engine = create_service_engine(settings)
    accounts = build_accounts(settings, engine)  # also writes the JWT secret the API will read
    chosen = {k: v for k, v in commands(settings, journal_dir).items() if k in processes}
    client = await connect(str(settings.temporal_address))
    try:
        with children(chosen, settings_env(settings), logs) as started:
            for name, line in READY_LINES.items():
                if name in started:
                    await wait_for_line(logs / f"{name}.log", line, *started.values())
            url = f"http://{settings.api_host}:{settings.api_port}"
            if "api" in started:
                await api_ready(url, started, READY_TIMEOUT)
            yield ServiceStack(
                settings, url, client, app, accounts, engine, journal_dir, started, server_pid
            )
    finally:
        app.close()
        engine.dispose()
