"""What a family reports: figures, each beside its baseline from the same run, and targets.

A figure is one measured value. Most carry the baseline it is compared with (measured in the
same run, on the same dev server and database) and so a ratio; a target is a limit on the
ratio or on the value itself. Verdicts are printed and written to JSON, never asserted.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Compare = Literal["<=", ">="]
_OPS: dict[str, Callable[[float, float], bool]] = {"<=": operator.le, ">=": operator.ge}
SPANNING = ("[", "  note", "  FAILED")  # table lines that run across the columns


@dataclass(frozen=True)
class Target:
    """`on` the ratio (figure / baseline) or on the value, e.g. Target("<=", 1.5)."""

    compare: Compare
    limit: float
    on: Literal["ratio", "value"] = "ratio"

    def met(self, figure: Figure) -> bool | None:
        measured = figure.ratio if self.on == "ratio" else figure.value
        if measured is None or math.isnan(measured):
            return None
        return _OPS[self.compare](measured, self.limit)

    def __str__(self) -> str:
        suffix = "×" if self.on == "ratio" else ""
        return f"{self.compare} {self.limit:g}{suffix}"


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    baseline: str | None = None
    baseline_value: float | None = None
    targets: tuple[Target, ...] = ()
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline_value is None or self.baseline_value == 0:
            return None
        return self.value / self.baseline_value

    @property
    def verdict(self) -> str:
        """'met', 'MISSED', 'n/a' (not measurable) or '' (no target)."""
        outcomes = [t.met(self) for t in self.targets]
        if not outcomes:
            return ""
        if any(o is None for o in outcomes):
            return "n/a"
        return "met" if all(outcomes) else "MISSED"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": _clean(self.value),
            "unit": self.unit,
            "baseline": self.baseline,
            "baseline_value": _clean(self.baseline_value),
            "ratio": _clean(self.ratio),
            "targets": [str(t) for t in self.targets],
            "verdict": self.verdict,
            "note": self.note,
        }


@dataclass
class FamilyResult:
    name: str
    title: str
    seconds: float = 0.0
    figures: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)  # raw summaries, for the JSON only
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "seconds": round(self.seconds, 1),
            "figures": [f.as_dict() for f in self.figures],
            "details": self.details,
            "notes": self.notes,
            "error": self.error,
        }


def _clean(value: float | None) -> float | None:
    """JSON has no NaN: an unmeasurable value is null."""
    if value is None or math.isnan(value) or math.isinf(value):
        return None
    return round(value, 4)


def _number(value: float | None, unit: str = "") -> str:
    if value is None or math.isnan(value):
        return "–"
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    return f"{text} {unit}".rstrip()


def table(results: Sequence[FamilyResult]) -> str:
    """A plain-text table: figure, value, baseline, ratio, target, verdict."""
    header = ("figure", "value", "baseline (same run)", "ratio", "target", "verdict")
    rows: list[tuple[str, ...]] = []
    for result in results:
        rows.append(
            (f"[{result.name}] {result.title} ({result.seconds:.0f} s)", "", "", "", "", "")
        )
        if result.error:
            lines = [line.strip() for line in result.error.splitlines() if line.strip(" +-|")]
            rows.append(("  FAILED: " + (lines[-1] if lines else "?")[:90], "", "", "", "", ""))
        for f in result.figures:
            base = f"{f.baseline} {_number(f.baseline_value, f.unit)}" if f.baseline else ""
            ratio = f"{f.ratio:.2f}×" if f.ratio is not None else ""
            target = ", ".join(str(t) for t in f.targets)
            name = f"  {f.name} ({f.note})" if f.note else f"  {f.name}"
            rows.append((name, _number(f.value, f.unit), base, ratio, target, f.verdict))
        rows += [("  note: " + note, "", "", "", "", "") for note in result.notes]
    widths = [
        max(len(r[i]) for r in [header, *rows] if not r[0].startswith(SPANNING)) for i in range(6)
    ]
    lines = [_line(header, widths), _line(tuple("-" * w for w in widths), widths)]
    for row in rows:
        lines.append(row[0] if not any(row[1:]) else _line(row, widths))
    return "\n".join(lines)


def _line(cells: tuple[str, ...], widths: list[int]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
