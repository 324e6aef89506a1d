"""Figures as a person reads them: percentages and averages rounded to one decimal.

A sum of floats leaves `8.333333333333332` and a negated zero prints `-0.0`; the programme's
reports show neither, so every figure leaves the statistics through here.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

DECIMALS = 1


def for_people(value: float | None, decimals: int = DECIMALS) -> float | None:
    """Rounded half to even at `decimals`, never `-0.0`; None stays None."""
    if value is None:
        return None
    return round(value, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0


def percent(part: float, whole: float) -> float | None:
    """`part` as a percentage of `whole`, for people; None when there is no whole."""
    return for_people(part / whole * 100.0) if whole else None


def weighted_mean(values: Sequence[tuple[float, int]]) -> float | None:
    """The mean of each value counted `weight` times, for people; None without weight."""
    weight = sum(w for _, w in values)
    return for_people(sum(v * w for v, w in values) / weight) if weight else None


def median(values: Sequence[float]) -> float | None:
    return for_people(statistics.median(values)) if values else None
