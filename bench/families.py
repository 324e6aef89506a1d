"""Every measurement family, in the order a run takes them.

The families that need the running service come first and share one stack; it is stopped
before the ones that measure the store alone, and the scale family starts its own server.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bench import (
    append,
    audit,
    concurrency,
    decisions,
    drift,
    enrolment,
    history,
    journeys,
    projection,
    scale,
    steps,
)
from bench.context import Context
from bench.report import FamilyResult

Measure = Callable[[Context, FamilyResult], Awaitable[None]]


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    measure: Measure
    needs_stack: bool


FAMILIES: tuple[Family, ...] = (
    Family("step", steps.TITLE, steps.measure, needs_stack=True),
    Family("load", concurrency.TITLE, concurrency.measure, needs_stack=True),
    Family("journeys", journeys.TITLE, journeys.measure, needs_stack=True),
    Family("enrolment", enrolment.TITLE, enrolment.measure, needs_stack=True),
    Family("drift", drift.TITLE, drift.measure, needs_stack=True),
    Family("decisions", decisions.TITLE, decisions.measure, needs_stack=True),
    Family("history", history.TITLE, history.measure, needs_stack=False),
    Family("append", append.TITLE, append.measure, needs_stack=False),
    Family("projection", projection.TITLE, projection.measure, needs_stack=False),
    Family("audit", audit.TITLE, audit.measure, needs_stack=False),
    Family("scale", scale.TITLE, scale.measure, needs_stack=False),
)

NAMES = tuple(f.name for f in FAMILIES)
