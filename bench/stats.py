"""Percentiles and timed loops: the few statistics every family needs."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100), linearly interpolated between the closest ranks."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Summary:
    """Latencies in milliseconds (or any unit the samples were taken in)."""

    n: int
    p50: float
    p95: float
    p99: float
    mean: float
    max: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        if not samples:
            return cls(0, math.nan, math.nan, math.nan, math.nan, math.nan)
        return cls(
            len(samples),
            percentile(samples, 50),
            percentile(samples, 95),
            percentile(samples, 99),
            sum(samples) / len(samples),
            max(samples),
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000


async def timed_calls(
    count: int, call: Callable[[int], Awaitable[object]], warm_up: int = 3
) -> list[float]:
    """Milliseconds per call, one after another, after `warm_up` untimed calls."""
    for i in range(warm_up):
        await call(-i - 1)
    samples = []
    for i in range(count):
        start = time.perf_counter()
        await call(i)
        samples.append(ms_since(start))
    return samples


def timed_sync(count: int, call: Callable[[int], object], warm_up: int = 3) -> list[float]:
    """The same for synchronous calls."""
    for i in range(warm_up):
        call(-i - 1)
    samples = []
    for i in range(count):
        start = time.perf_counter()
        call(i)
        samples.append(ms_since(start))
    return samples
