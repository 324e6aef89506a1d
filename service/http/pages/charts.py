"""Bar charts drawn on the server as SVG: the geometry here, the drawing in `_chart.html`.

No script and nothing fetched: a chart is a few `<rect>`s and `<text>`s in the page, laid out
by `bar_chart` (horizontal bars from zero, a negative value drawn to its left), and shown
beside a table of the same figures, which is what a screen reader reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 210  # the bars' names, right-aligned before the plot
VALUE_WIDTH = 90  # each bar's figure, after the plot
ROW = 30
BAR = 20
MARGIN = 8


@dataclass(frozen=True)
class Bar:
    label: str  # short, beside the bar
    value: float
    shown: str  # the value as the reader writes numbers
    x: float
    width: float
    y: float
    name: str  # the label in full: the table's row and the bar's tooltip


@dataclass(frozen=True)
class BarChart:
    chart_id: str  # unique on the page: the ids of its title and table derive from it
    title: str
    heading: str  # the figures' column heading in the table
    bars: tuple[Bar, ...]
    zero_x: float
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    value_x: float = WIDTH - VALUE_WIDTH + MARGIN

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * ROW + 2 * MARGIN

    @property
    def bar_height(self) -> int:
        return BAR


def bar_chart(
    chart_id: str,
    title: str,
    heading: str,
    values: Sequence[tuple[str, float | None]],
    shown: Callable[[float], str],
    names: Mapping[str, str] | None = None,
) -> BarChart:
    """One bar per value that is known (None: not measured, left out), scaled to the
    largest; zero is where the bars start, so a negative value reads as a loss. `names`: a
    label's name in full, where the label is short (a module's code)."""
    known = [(label, value) for label, value in values if value is not None]
    lowest = min([0.0, *(value for _, value in known)])
    highest = max([0.0, *(value for _, value in known)])
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    scale = plot / (highest - lowest) if highest > lowest else 0.0
    zero_x = LABEL_WIDTH - lowest * scale
    bars = tuple(
        Bar(
            label,
            value,
            shown(value),
            x=zero_x + min(0.0, value) * scale,
            width=abs(value) * scale,
            y=MARGIN + index * ROW + (ROW - BAR) / 2,
            name=(names or {}).get(label, label),
        )
        for index, (label, value) in enumerate(known)
    )
    return BarChart(chart_id, title, heading, bars, zero_x)
