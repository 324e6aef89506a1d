"""Sampling a child process with py-spy while the step family takes HTTP steps
(`python -m bench --profile worker`): one flame graph (SVG) per block."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bench.context import Context
from bench.stack.service import ServiceStack


@asynccontextmanager
async def sampled(ctx: Context, stack: ServiceStack) -> AsyncIterator[None]:
    """Record the child process the run asked for (worker, api, projector), if any."""
    process = ctx.profile
    if process is None:
        yield
        return
    folder = ctx.results_dir / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    output = folder / f"{process}-{len(list(folder.glob(f'{process}-*.svg')))}.svg"
    py_spy = Path(sys.executable).parent / "py-spy"
    # --nonblocking: the process is never paused, so the figures stay honest.
    command = [str(py_spy), "record", "--pid", str(stack.pid(process)), "--nonblocking"]
    command += ["--rate", "200", "--output", str(output)]
    recorder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)  # py-spy then writes its file and exits
        try:
            recorder.wait(timeout=30)
        except subprocess.TimeoutExpired:
            recorder.kill()
            recorder.wait()
