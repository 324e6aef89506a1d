"""What families share in one run: the scale, a work folder, one dev server, one stack."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import AsyncExitStack, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.config import Scale
from bench.people import Candidate
from bench.stack.service import ServiceStack, service_stack, stack_settings
from service.adapters.temporal_dev import DevServer
from tests.postgres import SERVER, scratch_database


@dataclass
class Context:
    scale: Scale
    results_dir: Path
    profile: str | None = None  # a child process to sample with py-spy: worker, api, projector
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="score-bench-")))
    _running: AsyncExitStack = field(default_factory=AsyncExitStack)
    _stack: ServiceStack | None = None
    # Candidates already in their ToE cycle on the stack: families reuse them, because
    # taking a candidate there costs six steps.
    pool: list[Candidate] = field(default_factory=list)

    async def stack(self) -> ServiceStack:
        """The service (API, worker, projector) on SQLite around a dev server in memory,
        started on first use and shared by every family that needs it."""
        if self._stack is None:
            server = await self._running.enter_async_context(DevServer())
            root = self.workdir / "stack"
            settings = stack_settings(root / "data", server.address)
            pid = server.process.pid if server.process else None
            self._stack = await self._running.enter_async_context(
                service_stack(settings, root, server_pid=pid)
            )
        return self._stack

    async def release_stack(self) -> None:
        """Stop the stack and its dev server, so that they cost later families nothing."""
        await self._running.aclose()
        self._running, self._stack, self.pool = AsyncExitStack(), None, []

    def folder(self, name: str) -> Path:
        path = self.workdir / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    async def close(self, *, keep: bool = False) -> None:
        """Stop everything; remove the work folder (stores of a million events) unless kept."""
        await self.release_stack()
        if not keep:
            shutil.rmtree(self.workdir, ignore_errors=True)


@contextmanager
def postgres_database(prefix: str = "score_bench") -> Iterator[str | None]:
    """A scratch database on the local PostgreSQL server, or None when it is not reachable."""
    import psycopg

    try:
        with psycopg.connect(SERVER, connect_timeout=3):
            pass
    except psycopg.OperationalError:
        yield None
        return
    with ExitStack() as cleanup:
        yield cleanup.enter_context(scratch_database(prefix))


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU seconds of a process (this one by default)."""
    if pid is None:
        times = os.times()
        return times.user + times.system
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0
