"""Timestamps the service's own processes write for the benchmark, and how they write them.

    python -m bench.journal JOURNAL_DIR PYTHON -m MODULE [ARGS…]

runs MODULE as `python -m MODULE ARGS…` would (the real `score worker`, `score projector`)
after two hooks: every save of the application (`Certification`) is timed
(appends.jsonl: [t, seconds, last notification id, events]) and every batch the projector
commits is written down (commits.jsonl: [t, position]). `t` is `time.monotonic()`,
CLOCK_MONOTONIC, one clock for every process on the machine, so an append in the worker and
the projector's commit of it can be subtracted.
"""

from __future__ import annotations

import json
import runpy
import sys
import threading
import time
from pathlib import Path
from typing import Any

APPENDS = "appends.jsonl"
COMMITS = "commits.jsonl"


class Journal:
    """Append-only, one JSON array per line, flushed at once (the reader may look any time)."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("a", buffering=1)
        self._lock = threading.Lock()  # activities save from several threads

    def write(self, *values: float) -> None:
        line = json.dumps([time.monotonic(), *values]) + "\n"
        with self._lock:
            self._file.write(line)


def read(path: Path, since: float = 0.0, until: float = float("inf")) -> list[list[float]]:
    """The lines whose timestamp lies in [since, until]."""
    rows = [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []
    return [r for r in rows if since <= r[0] <= until]


def install(journal_dir: Path) -> None:
    """Instrument this process: time the classes the composition root builds, not copies."""
    from projections.projector import Projector
    from service.app.certification import Certification

    appends, commits = Journal(journal_dir / APPENDS), Journal(journal_dir / COMMITS)
    save, next_batch = Certification.save, Projector.process_next_batch

    def timed_save(self: Certification, *objects: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        recordings = save(self, *objects, **kwargs)
        if recordings:
            seconds = time.perf_counter() - started
            appends.write(seconds, recordings[-1].notification.id, len(recordings))
        return recordings

    def journaled_batch(self: Projector, stop: int | None = None) -> int:
        count = next_batch(self, stop)
        if count:
            commits.write(self.position)
        return count

    setattr(Certification, "save", timed_save)  # noqa: B010 - this process only
    setattr(Projector, "process_next_batch", journaled_batch)  # noqa: B010


def main(argv: list[str]) -> None:
    journal_dir, (_python, flag, module, *args) = Path(argv[0]), argv[1:]
    assert flag == "-m", "expects the child's command as PYTHON -m MODULE ARGS…"
    install(journal_dir)
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
