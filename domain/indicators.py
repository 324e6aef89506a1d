"""The indicators that progress reports measure, and what counts as an improvement."""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import StrEnum

from domain.errors import InvalidInput


class Indicator(StrEnum):
    PRODUCTIVITY = "productivity"
    DEFECTS = "defects"
    ON_TIME_DELIVERY = "on_time_delivery"
    ABSENTEEISM = "absenteeism"
    STAFF_TURNOVER = "staff_turnover"
    ACCIDENTS = "accidents"


# Rates, counts and per-hour figures alike stay far below this; it keeps every sum finite.
MAX_INDICATOR_VALUE = 1e9

# For these, a higher value is better; for the others (defects, absenteeism…) lower is better.
HIGHER_IS_BETTER = frozenset({Indicator.PRODUCTIVITY, Indicator.ON_TIME_DELIVERY})


def validate_indicators(values: Mapping[str, float]) -> dict[str, float]:
    """Known names, finite non-negative numbers, at least one of them."""
    if not values:
        raise InvalidInput("Give at least one indicator value, for example productivity.")
    known = {i.value for i in Indicator}
    unknown = sorted(set(values) - known)
    if unknown:
        raise InvalidInput(
            f"Unknown indicator(s) {', '.join(unknown)}; use {', '.join(sorted(known))}."
        )
    for name, value in values.items():
        if not 0 <= value <= MAX_INDICATOR_VALUE:
            raise InvalidInput(
                f"Indicator {name} must be a finite number from 0 to {MAX_INDICATOR_VALUE:g}, "
                f"got {value}."
            )
    return {name: float(value) for name, value in values.items()}


def improvement(indicator: str, baseline: float, current: float) -> float | None:
    """Relative improvement in percent (positive = better); None when the baseline is zero
    (or so close to it that the ratio is no number)."""
    if baseline == 0:
        return None
    change = (current - baseline) / baseline * 100.0
    if not math.isfinite(change):
        return None
    return change if Indicator(indicator) in HIGHER_IS_BETTER else -change
