"""Every measurement family, in the order a run takes them.

The families that need the running service come first and share one stack; it is stopped
before the ones that measure the store alone, and the scale family starts its own server.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bench import steps
from bench.context import Context
from bench.report import FamilyResult

Measure = Callable[[Context, FamilyResult], Awaitable[None]]


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    measure: Measure
    needs_stack: bool


FAMILIES: tuple[Family, ...] = (Family("step", steps.TITLE, steps.measure, needs_stack=True),)

NAMES = tuple(f.name for f in FAMILIES)
