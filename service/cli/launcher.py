"""`score run`: the whole service on one machine, stopped together on Ctrl-C.

The database is migrated first (`score migrate`). Then the Temporal dev server (unless an
external Temporal is configured), the worker, the projector
and the API each run as a child process with its log under data/logs, so that one crashing
shows up plainly and Ctrl-C stops them all.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path

import httpx
from tenacity import (
    AsyncRetrying,
    RetryError,
    retry_if_exception_type,
    stop_after_delay,
    wait_fixed,
)

from service.adapters.temporal_dev import DevServer, require_binary
from service.migrations import migrate
from service.settings import Settings

TEMPORAL_PORT, TEMPORAL_UI_PORT = 7233, 8233
# Each child's /metrics on this machine (the API serves its own on its port); a port taken
# by something else costs only that endpoint, which the child's log then says.
METRICS_PORTS = {"worker": 9101, "projector": 9103}
TEMPORAL_SDK_METRICS_PORT = 9102


def metrics_env(settings: Settings) -> dict[str, dict[str, str]]:
    """Each child's metrics ports, unless configured (then the worker's and projector's
    share the setting, which only works on separate machines: say so in the docs)."""
    if settings.metrics_port is not None:
        return {}
    return {
        "worker": {
            "SCORE_METRICS_PORT": str(METRICS_PORTS["worker"]),
            "SCORE_TEMPORAL_METRICS_PORT": str(
                settings.temporal_metrics_port or TEMPORAL_SDK_METRICS_PORT
            ),
        },
        "projector": {"SCORE_METRICS_PORT": str(METRICS_PORTS["projector"])},
    }


Children = dict[str, subprocess.Popen[bytes]]


def _score(*args: str) -> list[str]:
    return [sys.executable, "-m", "service.cli", *args]


@contextmanager
def children(
    commands: dict[str, list[str]],
    env: dict[str, str],
    logs: Path,
    own_env: Mapping[str, Mapping[str, str]] | None = None,
) -> Iterator[Children]:
    """Start each command as a child (with `env`, and its `own_env` if given); on leaving,
    stop every one of them."""
    logs.mkdir(parents=True, exist_ok=True)
    started: Children = {}
    own_env = own_env or {}
    try:
        for name, command in commands.items():
            with (logs / f"{name}.log").open("ab") as log:
                started[name] = subprocess.Popen(
                    command,
                    env={**env, **own_env.get(name, {})},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
        yield started
    finally:
        _stop(started)


def _stop(started: Children) -> None:
    for process in started.values():
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    for process in started.values():
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def watch(processes: Children, stop: asyncio.Event) -> str:
    """Wait for Ctrl-C, or for a child to die (then say which)."""
    while not stop.is_set():
        for name, process in processes.items():
            if process.poll() is not None:
                return f"{name} exited with status {process.returncode} (see data/logs/{name}.log)"
        try:
            await asyncio.wait_for(stop.wait(), timeout=0.5)
        except TimeoutError:
            continue
    return "stopped on request"


class _NotReady(Exception):
    """The API did not answer /health/ready with 200 yet."""


async def api_ready(url: str, processes: Children, timeout: float = 60.0) -> None:
    """Return once the API is ready, or at once when a child has died (`watch` says which)."""
    polling = AsyncRetrying(
        retry=retry_if_exception_type((_NotReady, httpx.TransportError)),
        stop=stop_after_delay(timeout),
        wait=wait_fixed(0.25),
    )
    async with httpx.AsyncClient() as client:
        try:
            async for attempt in polling:
                if any(p.poll() is not None for p in processes.values()):
                    return  # outside the attempt: a dead child is not waited for
                with attempt:
                    if (await client.get(f"{url}/health/ready")).status_code != 200:
                        raise _NotReady
        except RetryError:
            if any(p.poll() is not None for p in processes.values()):
                return  # it died during the last attempt: `watch` says which, not a timeout
            raise TimeoutError(f"The API did not answer at {url} within {timeout:g} s.") from None


def child_env(settings: Settings, temporal_address: str) -> dict[str, str]:
    env = dict(os.environ)
    env["SCORE_TEMPORAL_ADDRESS"] = temporal_address
    env["SCORE_DATA_DIR"] = str(settings.data_dir.resolve())
    return env


async def run_everything(
    settings: Settings, announce: Callable[[str], None], *, demo: bool = False
) -> str:
    if settings.temporal_address is None:
        require_binary()  # before anything is written: DevServerMissing says what to install
    # The schema first, once: the processes below only check that it is there.
    migrate(settings)
    logs = settings.data_dir / "logs"
    logs.mkdir(exist_ok=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with AsyncExitStack() as stack:
        address = settings.temporal_address
        if address is None:
            server = DevServer(
                settings.data_dir / "temporal.sqlite",
                port=TEMPORAL_PORT,
                ui_port=TEMPORAL_UI_PORT,
                log_file=logs / "temporal.log",
            )
            address = (await stack.enter_async_context(server)).address
        commands = {
            "worker": _score("worker"),
            "projector": _score("projector"),
            "api": _score("api"),
        }
        running = stack.enter_context(
            children(commands, child_env(settings, address), logs, metrics_env(settings))
        )
        url = f"http://{settings.api_host}:{settings.api_port}"
        await api_ready(url, running)
        from service.cli.demo import load_demo
        from service.cli.welcome import first_admin, observability, welcome

        admin = first_admin(settings)
        announce(welcome(settings, url, address, admin))
        announce(observability(settings, url, logs, metrics_env(settings)))
        if demo:
            announce(await load_demo(settings, address))
        return await watch(running, stop)
