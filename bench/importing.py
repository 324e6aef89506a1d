"""Importing past records: a file of trainers (10,000 rows in full mode) into a SQLite store,
then the same file again (every row recognised, nothing written)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from bench.context import Context, open_store
from bench.report import FamilyResult, Figure
from domain.values import Actor, Role
from service.app.import_rows import Kind
from service.app.imports import ImportReport, import_csv
from service.settings import Settings

TITLE = "Import of past trainers from CSV (all or nothing, then a re-run)"
OFFICE = Actor("bench-office", Role.HQ)


def trainers_csv(rows: int) -> str:
    lines = [
        f"Past Trainer {n},past{n}@bench.example,GH,20{10 + n % 15}-0{1 + n % 9}-15,no"
        for n in range(rows)
    ]
    return "name,email,country,registered_on,expert\n" + "\n".join(lines) + "\n"


def _timed(run: Callable[[], ImportReport]) -> tuple[float, ImportReport]:
    """Seconds the import took, and its report."""
    start = time.perf_counter()
    report = run()
    return time.perf_counter() - start, report


async def measure(ctx: Context, result: FamilyResult) -> None:
    rows = ctx.scale.import_rows
    text, now = trainers_csv(rows), datetime.now(UTC)
    app = open_store(Settings(data_dir=ctx.folder("import")))
    try:
        checked_s, _ = _timed(
            lambda: import_csv(app, Kind.TRAINERS, text, OFFICE, now, dry_run=True)
        )
        first_s, first = _timed(lambda: import_csv(app, Kind.TRAINERS, text, OFFICE, now))
        again_s, again = _timed(lambda: import_csv(app, Kind.TRAINERS, text, OFFICE, now))
    finally:
        app.close()
    result.details.update(rows=rows, dry_run_s=checked_s, first_s=first_s, again_s=again_s)
    assert not first.problems and first.written == rows and again.already == rows
    result.notes.append(f"{rows:,} rows written once; the re-run recognised all and wrote none")
    result.figures += [
        Figure(
            f"import of {rows:,} trainers", rows / first_s, "rows/s", "dry run", rows / checked_s
        ),
        Figure(
            f"re-run of the same {rows:,} rows",
            rows / again_s,
            "rows/s",
            "first run",
            rows / first_s,
        ),
    ]
