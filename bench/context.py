"""What families share in one run: the scale, a work folder, and one service stack: the
service as tests/cluster.py's Cluster runs it (`score api`, `score worker`, `score projector`
on SQLite around a dev server in memory), the worker and projector timed by bench/journal.py,
and the baselines' own worker beside it."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from prometheus_client.process_collector import ProcessCollector
from temporalio.client import WorkflowHandle

from bench import journal
from bench.baseline import Baseline
from bench.config import Scale
from service.app.certification import Certification
from service.bootstrap.parts import build_certification
from service.migrations import migrate
from service.settings import Settings
from tests.cluster import Child, Cluster, wait_for_line
from tests.postgres import SERVER, scratch_database

if TYPE_CHECKING:
    from bench.people import Candidate

BareHandle = WorkflowHandle[Baseline, None]
TIMED = ("worker", "projector")  # the processes whose saves and batches the journal times


@dataclass
class Stack:
    cluster: Cluster
    baseline: Child  # the empty workflow's worker, on the same dev server
    journal_dir: Path

    @property
    def api_url(self) -> str:
        return self.cluster.api_urls[0]

    @property
    def app(self) -> Certification:
        return self.cluster.app

    def baseline_queue(self, *, sandboxed: bool = True) -> str:
        name = f"{self.cluster.settings.task_queue}-baseline"
        return name if sandboxed else f"{name}-plain"

    def pids(self) -> dict[str, int]:
        """Every process a step runs through, the dev server's too, and the baselines'."""
        c = self.cluster
        children = (c.worker_processes[0], c.projector, c.api_processes[0], self.baseline)
        found = {child.name.removesuffix("-0"): child.pid for child in children}
        return found | {"temporal": c.temporal.process.pid} if c.temporal.process else found

    def appends(self, since: float, until: float) -> list[list[float]]:
        """[t, save seconds, last notification id, events] per save in the worker."""
        return journal.read(self.journal_dir / journal.APPENDS, since, until)

    def commits(self) -> list[list[float]]:
        """[t, position] per batch the projector committed."""
        return journal.read(self.journal_dir / journal.COMMITS)

    @asynccontextmanager
    async def bare_workflows(
        self, count: int, *, sandboxed: bool = True
    ) -> AsyncIterator[list[BareHandle]]:
        """`count` empty workflows waiting for updates, each in the worker's cache; finished
        when the block ends."""
        client, queue = self.cluster.client, self.baseline_queue(sandboxed=sandboxed)
        assert client is not None
        handles = await asyncio.gather(
            *(
                client.start_workflow(Baseline.run, id=f"bare-{uuid.uuid4()}", task_queue=queue)
                for _ in range(count)
            )
        )
        try:
            await asyncio.gather(*(h.execute_update(Baseline.bare) for h in handles))
            yield list(handles)
        finally:
            await asyncio.gather(*(h.signal(Baseline.finish) for h in handles))


@asynccontextmanager
async def service_stack(root: Path) -> AsyncIterator[Stack]:
    journal_dir = root / "journal"
    journal_dir.mkdir(parents=True, exist_ok=True)

    def timed(kind: str, command: list[str]) -> list[str]:
        prefix = [sys.executable, "-m", "bench.journal", str(journal_dir)]
        return prefix + command if kind in TIMED else command

    async with Cluster(root, wrap=timed, temporal_in_memory=True) as cluster:
        queue = f"{cluster.settings.task_queue}-baseline"
        serve = "from bench.baseline import main; main()"
        command = [sys.executable, "-c", serve, cluster.temporal.address, queue]
        baseline = Child("baseline", command, dict(os.environ), cluster.logs / "baseline.log")
        baseline.start()
        try:
            assert baseline.process is not None
            await wait_for_line(baseline.log, "ready", baseline.process)
            yield Stack(cluster, baseline, journal_dir)
        finally:
            baseline.stop()


@dataclass
class Context:
    scale: Scale
    results_dir: Path
    profile: str | None = None  # a child process to sample with py-spy: worker, api, projector
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="score-bench-")))
    _running: AsyncExitStack = field(default_factory=AsyncExitStack)
    _stack: Stack | None = None
    # Candidates already in their ToE cycle on the stack: families reuse them, because
    # taking a candidate there costs six steps.
    pool: list[Candidate] = field(default_factory=list)

    async def stack(self) -> Stack:
        """Started on first use and shared by every family that needs it."""
        if self._stack is None:
            running = service_stack(self.workdir / "stack")
            self._stack = await self._running.enter_async_context(running)
        return self._stack

    async def release_stack(self) -> None:
        """Stop the stack, so that it costs later families nothing."""
        await self._running.aclose()
        self._running, self._stack, self.pool = AsyncExitStack(), None, []

    @asynccontextmanager
    async def sampled(self) -> AsyncIterator[None]:
        """py-spy on the stack's child process the run asked for (worker, api, projector), if
        any, for the block: one flame graph (SVG) per block under results/profiles."""
        if self.profile is None or self._stack is None:
            yield
            return
        folder = self.results_dir / "profiles"
        output = folder / f"{self.profile}-{len(list(folder.glob(f'{self.profile}-*.svg')))}.svg"
        pid = str(self._stack.pids()[self.profile])
        # --nonblocking: the process is never paused, so the figures stay honest.
        command = [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", pid]
        command += ["--nonblocking", "--rate", "200", "--output", str(output)]
        recorder = Child("py-spy", command, dict(os.environ), folder / "py-spy.log")
        recorder.start()
        try:
            yield
        finally:
            recorder.stop()  # Ctrl-C: py-spy writes its file, then exits

    def folder(self, name: str) -> Path:
        path = self.workdir / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    async def close(self, *, keep: bool = False) -> None:
        """Stop everything; remove the work folder (stores of a million events) unless kept."""
        await self.release_stack()
        if not keep:
            shutil.rmtree(self.workdir, ignore_errors=True)


def open_store(settings: Settings) -> Certification:
    """A store migrated first, as the deploy does, then opened as the service opens it."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings)
    return build_certification(settings)


@contextmanager
def postgres_database(prefix: str = "score_bench") -> Iterator[str | None]:
    """A scratch database on the local PostgreSQL server, or None when it is not reachable."""
    import psycopg

    try:
        psycopg.connect(SERVER, connect_timeout=3).close()
    except psycopg.OperationalError:
        yield None
        return
    with scratch_database(prefix) as url:
        yield url


def process_figures(pid: int) -> dict[str, float]:
    """What prometheus-client's process collector reads of a process from /proc."""
    collector = ProcessCollector(pid=lambda: pid, registry=None)
    return {metric.name: metric.samples[0].value for metric in collector.collect()}


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process."""
    return process_figures(pid)["process_cpu_seconds"]


def rss_bytes(pid: int) -> float:
    """Resident set size of a process."""
    return process_figures(pid)["process_resident_memory_bytes"]
