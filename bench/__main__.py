"""Runs the measurement families, prints one table (every figure beside its baseline from the
same run) and writes bench/results/latest.json; see docs/benchmarks.md."""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import decisions, drift, enrolment, history, importing, projection, scale, steps, workers
from bench.config import SCALES
from bench.context import Context
from bench.report import FamilyResult, table, write_json

RESULTS = Path(__file__).parent / "results"  # ignored by git: figures and profiles of a run
Measure = Callable[[Context, FamilyResult], Awaitable[None]]


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    measure: Measure
    needs_stack: bool


# In the order a run takes them: those on the running service share one stack, which is
# stopped before those on the store alone; the scale family starts its own server.
FAMILIES: tuple[Family, ...] = (
    Family("step", steps.TITLE, steps.measure, needs_stack=True),
    Family("load", steps.LOAD_TITLE, steps.measure_load, needs_stack=True),
    Family("enrolment", enrolment.TITLE, enrolment.measure, needs_stack=True),
    Family("drift", drift.TITLE, drift.measure, needs_stack=True),
    Family("decisions", decisions.TITLE, decisions.measure, needs_stack=True),
    # Last on the stack: it leaves a second worker running.
    Family("workers", workers.TITLE, workers.measure, needs_stack=True),
    Family("history", history.TITLE, history.measure, needs_stack=False),
    Family("projection", projection.TITLE, projection.measure, needs_stack=False),
    Family("import", importing.TITLE, importing.measure, needs_stack=False),
    Family("scale", scale.TITLE, scale.measure, needs_stack=False),
)
NAMES = tuple(f.name for f in FAMILIES)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--quick", action="store_true", help="scaled down: about 4 minutes")
    modes.add_argument("--smoke", action="store_true", help="tiny: checks the code paths only")
    parser.add_argument("--only", action="append", choices=NAMES, help="run only these families")
    parser.add_argument(
        "--profile",
        choices=("worker", "api", "projector"),
        help="sample this child process with py-spy while the step family takes HTTP steps",
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    parser.add_argument(
        "--keep", action="store_true", help="keep the work folder (stores, logs) and say where"
    )
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    smoke = args.smoke or os.environ.get("SCORE_BENCH_SMOKE")
    scale = SCALES["smoke" if smoke else "quick" if args.quick else "full"]
    chosen = [f for f in FAMILIES if not args.only or f.name in args.only]
    ctx = Context(scale, args.output.parent, profile=args.profile)
    results: list[FamilyResult] = []
    started = time.monotonic()
    try:
        for index, family in enumerate(chosen):
            results.append(await measured(ctx, family))
            if not any(f.needs_stack for f in chosen[index + 1 :]):
                await ctx.release_stack()
    finally:
        await ctx.close(keep=args.keep)
        if args.keep:
            print(f"work folder kept: {ctx.workdir}", file=sys.stderr)  # noqa: T201
    document = {
        "mode": scale.mode,
        "scale": scale.as_dict(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - started, 1),
        "machine": machine(),
        "families": {r.name: r.as_dict() for r in results},
    }
    print(table(results))  # noqa: T201 - the table is the output
    write_json(args.output, document)
    print(f"\n{scale.mode} mode, {document['seconds']} s; written to {args.output}")  # noqa: T201
    return document


async def measured(ctx: Context, family: Family) -> FamilyResult:
    result = FamilyResult(family.name, family.title)
    print(f"… {family.name}: {family.title}", file=sys.stderr, flush=True)  # noqa: T201
    started = time.monotonic()
    try:
        await family.measure(ctx, result)
    except Exception:
        result.error = traceback.format_exc()
        print(result.error, file=sys.stderr, flush=True)  # noqa: T201
    result.seconds = time.monotonic() - started
    return result


def machine() -> dict[str, Any]:
    """What the figures were taken on; the load average shows whether others were busy."""
    changed = _git("status", "--porcelain", "--untracked-files=no").splitlines()
    return {
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "commit": _git("rev-parse", "--short", "HEAD"),
        # Others' uncommitted changes in the work tree run too (the children import it).
        "tracked_files_changed": len(changed),
    }


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], capture_output=True, text=True).stdout.strip()


def main() -> None:
    args = parse()
    document = asyncio.run(run(args))
    failed = [name for name, f in document["families"].items() if f["error"]]
    sys.stdout.flush()
    sys.stderr.flush()
    # Exit without the interpreter's finalisation, which the Temporal SDK's threads can abort
    # (sdk-python#300); every server and child process is stopped by now.
    os._exit(1 if failed else 0)


if __name__ == "__main__":
    main()
