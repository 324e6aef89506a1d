"""Sampling a child process with py-spy while a phase runs (`python -m bench --profile worker`).

py-spy attaches to the running process (all threads, native speed, `--nonblocking` so the
process is never paused) and writes collapsed stacks; `summarise` turns every file of a run
into the functions that were on the CPU most (self) and on the stack most (inclusive).
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bench.context import Context
from bench.stack.service import ServiceStack

RATE = 200  # samples per second
# Leaves where a thread waits rather than works: py-spy's --nonblocking mode cannot always
# tell idle threads apart, so their samples are dropped here.
WAITING = (
    "select (selectors.py)",
    "wait (threading.py)",
    "_worker (concurrent/futures/thread.py)",
    "get (queue.py)",
    "_read_from_self (asyncio/selector_events.py)",
    # uvloop and anyio wait in C: the innermost Python frame is the loop or the thread.
    "Runner.run (asyncio/runners.py)",
    "WorkerThread.run (anyio/_backends/_asyncio.py)",
)
_FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^:()]*)(?::\d+)?\)$")


def py_spy() -> Path:
    return Path(sys.executable).parent / "py-spy"


@asynccontextmanager
async def sampled(ctx: Context, stack: ServiceStack) -> AsyncIterator[None]:
    """Record the child process the run asked for (worker, api, projector), if any."""
    process = ctx.profile
    if process is None:
        yield
        return
    folder = ctx.results_dir / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    output = folder / f"{process}-{len(list(folder.glob(f'{process}-*.txt')))}.txt"
    command = [str(py_spy()), "record", "--pid", str(stack.pid(process)), "--nonblocking"]
    command += ["--rate", str(RATE), "--format", "raw", "--output", str(output)]
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


def _function(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if match is None:
        return frame.strip()
    file = match["file"].split("site-packages/")[-1].split("/work/main/")[-1]
    return f"{match['function']} ({file})"


def summarise(folder: Path, process: str, top: int = 25) -> str:
    """Self and inclusive sample shares over every recording of `process` in `folder`."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for path in sorted(folder.glob(f"{process}-*.txt")):
        for line in path.read_text().splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not stack or not count_text.isdigit():
                continue
            count = int(count_text)
            frames = [_function(f) for f in stack.split(";")]
            if frames[-1].endswith(WAITING):
                continue
            total += count
            own[frames[-1]] += count
            for name in set(frames):
                inclusive[name] += count
    if not total:
        return f"no samples for {process}"
    lines = [f"{process}: {total} busy samples at {RATE}/s", "", "self (innermost frame):"]
    lines += [f"  {100 * c / total:5.1f}%  {name}" for name, c in own.most_common(top)]
    lines += ["", "inclusive (anywhere on the stack):"]
    lines += [f"  {100 * c / total:5.1f}%  {name}" for name, c in inclusive.most_common(top)]
    return "\n".join(lines)
