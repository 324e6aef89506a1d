"""The whole service on an event loop of its own thread, for a synchronous fuzzer to call.

Schemathesis sends its requests with `requests` from the test's thread and waits for each
answer; the service (dev server, worker, projector, API over real HTTP) must keep running
meanwhile, so it cannot live on the test's own event loop, which is idle while a
synchronous test runs. One coroutine owns every context of the service from start to stop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, TypeVar

from service.adapters.temporal_dev import DevServer
from tests.e2e.harness import Stack, whole_service
from tests.fuzz.cast import FuzzCast
from tests.fuzz.fuzzer import ReadModelsWatch

Prepared = TypeVar("Prepared")
T = TypeVar("T")

START_TIMEOUT = 180.0


@dataclass(frozen=True)
class FuzzedService:
    """The service under fuzzing, on one store, with its cast registered."""

    backend: str
    stack: Stack
    people: FuzzCast
    read_models: ReadModelsWatch  # shared by every role's fuzzer on this store


class ServiceThread(Generic[Prepared]):
    """`with ServiceThread(data_dir, url, prepare) as (stack, prepared):` serves until the end.

    `prepare` runs on the service's loop once it serves (e.g. registers a cast of people).
    """

    def __init__(
        self,
        data_dir: Path,
        database_url: str | None,
        prepare: Callable[[Stack], Awaitable[Prepared]],
    ) -> None:
        self._data_dir = data_dir
        self._database_url = database_url
        self._prepare = prepare
        self._ready: Future[tuple[Stack, Prepared]] = Future()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="fuzzed-service", daemon=True)

    def __enter__(self) -> tuple[Stack, Prepared]:
        self._thread.start()
        return self._ready.result(timeout=START_TIMEOUT)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(timeout=60)

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        """Run a coroutine on the service's loop (e.g. a step the test needs) and wait for it."""
        assert self._loop is not None, "the service is not running"
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as failure:
            if not self._ready.done():
                self._ready.set_exception(failure)

    async def _serve(self) -> None:
        self._loop, self._stopping = asyncio.get_running_loop(), asyncio.Event()
        async with (
            DevServer() as temporal,
            whole_service(self._data_dir, temporal.address, self._database_url) as stack,
        ):
            self._ready.set_result((stack, await self._prepare(stack)))
            await self._stopping.wait()
