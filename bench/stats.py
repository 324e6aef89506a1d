"""Percentiles and timed loops: the few statistics every family needs."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any


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
        if len(samples) < 2:
            one = samples[0] if samples else math.nan
            return cls(len(samples), one, one, one, one, one)
        # "inclusive": interpolated between the closest ranks, never beyond the extremes.
        cuts = statistics.quantiles(samples, n=100, method="inclusive")
        return cls(
            len(samples), cuts[49], cuts[94], cuts[98], statistics.fmean(samples), max(samples)
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
