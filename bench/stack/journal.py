"""Timestamped lines that child processes write and the benchmark reads back.

Timestamps are `time.monotonic()`: CLOCK_MONOTONIC, one clock for every process on the
machine, so an append in the worker and a commit in the projector can be subtracted.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

APPENDS = "appends.jsonl"  # worker: [t, save seconds, last notification id, events]
COMMITS = "commits.jsonl"  # projector: [t, position]


class Journal:
    """Append-only, one JSON array per line, flushed at once (the reader may look any time)."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("a", buffering=1)
        self._lock = threading.Lock()  # activities save from several threads

    def write(self, *values: float) -> None:
        line = json.dumps([time.monotonic(), *values]) + "\n"
        with self._lock:
            self._file.write(line)

    def close(self) -> None:
        with self._lock:
            self._file.close()


def read(path: Path, since: float = 0.0, until: float = float("inf")) -> list[list[float]]:
    """The lines whose timestamp lies in [since, until]."""
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in rows if since <= r[0] <= until]
