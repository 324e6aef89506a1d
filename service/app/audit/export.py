"""History as NDJSON or CSV, produced while the store is read: constant memory at any size.

Lines are gathered into chunks of about 64 KiB, so that a client receives few large writes
rather than one per event.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command line imports ExportFormat without loading the event store
    from service.app.audit.history import HistoryEntry

CHUNK_BYTES = 64 * 1024
CSV_COLUMNS = (
    "position",
    "aggregate_type",
    "aggregate_id",
    "version",
    "type",
    "timestamp",
    "actor_id",
    "actor_role",
    "command_id",
    "payload",
)


class ExportFormat(StrEnum):
    NDJSON = "ndjson"
    CSV = "csv"

    @property
    def media_type(self) -> str:
        return "application/x-ndjson" if self is ExportFormat.NDJSON else "text/csv"


def export(entries: Iterable[HistoryEntry], form: ExportFormat) -> Iterator[bytes]:
    lines = ndjson_lines(entries) if form is ExportFormat.NDJSON else csv_lines(entries)
    return chunked(lines)


def ndjson_lines(entries: Iterable[HistoryEntry]) -> Iterator[str]:
    """One JSON object per line, with the fields of `HistoryEntry.as_json`."""
    for entry in entries:
        yield json.dumps(entry.as_json(), ensure_ascii=False, separators=(",", ":")) + "\n"


def csv_lines(entries: Iterable[HistoryEntry]) -> Iterator[str]:
    """A header, then one row per event; the payload column holds the payload as JSON."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    yield _drain(buffer)
    for entry in entries:
        row = entry.as_json()
        row["payload"] = json.dumps(row["payload"], ensure_ascii=False, separators=(",", ":"))
        writer.writerow([row[column] for column in CSV_COLUMNS])
        yield _drain(buffer)


def chunked(lines: Iterable[str], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    pending: list[bytes] = []
    held = 0
    for line in lines:
        encoded = line.encode()
        pending.append(encoded)
        held += len(encoded)
        if held >= size:
            yield b"".join(pending)
            pending, held = [], 0
    if pending:
        yield b"".join(pending)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
