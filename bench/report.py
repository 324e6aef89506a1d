"""Figures, each beside its baseline from the same run, and targets; verdicts are reported,
never asserted."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from bench.stats import Summary


@dataclass(frozen=True)
class Target:
    """`on` the ratio (figure / baseline) or on the value, e.g. Target("<=", 1.5)."""

    compare: Literal["<=", ">="]
    limit: float
    on: Literal["ratio", "value"] = "ratio"

    def met(self, figure: Figure) -> bool | None:
        measured = figure.ratio if self.on == "ratio" else figure.value
        if measured is None or math.isnan(measured):
            return None
        return measured <= self.limit if self.compare == "<=" else measured >= self.limit

    def __str__(self) -> str:
        return f"{self.compare} {self.limit:g}{'×' if self.on == 'ratio' else ''}"


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    baseline: str | None = None
    baseline_value: float | None = None
    targets: tuple[Target, ...] = ()

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline_value if self.baseline_value else None

    @property
    def verdict(self) -> str:
        """'met', 'MISSED', 'n/a' (not measurable) or '' (no target)."""
        outcomes = [t.met(self) for t in self.targets]
        if not outcomes:
            return ""
        if None in outcomes:
            return "n/a"
        return "met" if all(outcomes) else "MISSED"

    def as_dict(self) -> dict[str, Any]:
        targets = [str(t) for t in self.targets]
        fields = asdict(self) | {"ratio": self.ratio, "targets": targets, "verdict": self.verdict}
        return {k: _clean(v) if isinstance(v, float | int) else v for k, v in fields.items()}

    def row(self) -> tuple[str, ...]:
        base = f"{self.baseline} {_number(self.baseline_value, self.unit)}" if self.baseline else ""
        ratio = f"{self.ratio:.2f}×" if self.ratio is not None else ""
        targets = ", ".join(str(t) for t in self.targets)
        return (
            f"  {self.name}",
            _number(self.value, self.unit),
            base,
            ratio,
            targets,
            self.verdict,
        )


@dataclass
class FamilyResult:
    name: str
    title: str
    seconds: float = 0.0
    figures: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)  # raw summaries, for the JSON only
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    def add(self, *figures: Figure) -> None:
        self.figures += figures

    def keep(self, **summaries: Summary) -> None:
        """The summaries behind the figures, for the JSON (p50/p95/p99/mean/max, n)."""
        self.details.update({name: s.as_dict() for name, s in summaries.items()})

    def pair(
        self,
        name: str,
        measured: Summary,
        baseline: str,
        base: Summary,
        unit: str = "ms",
        p50: tuple[Target, ...] = (),
        p99: tuple[Target, ...] = (),
    ) -> None:
        """p50 and p99 of `measured`, each beside the same of `base`; both summaries kept."""
        self.keep(**{name: measured, baseline: base})
        self.add(
            Figure(f"{name} p50", measured.p50, unit, f"{baseline} p50", base.p50, p50),
            Figure(f"{name} p99", measured.p99, unit, f"{baseline} p99", base.p99, p99),
        )

    def as_dict(self) -> dict[str, Any]:
        figures = [f.as_dict() for f in self.figures]
        return asdict(self) | {"seconds": round(self.seconds, 1), "figures": figures}


def _clean(value: float | None) -> float | None:
    """JSON has no NaN: an unmeasurable value is null."""
    return None if value is None or not math.isfinite(value) else round(value, 4)


def _number(value: float | None, unit: str = "") -> str:
    if value is None or math.isnan(value):
        return "–"
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    return f"{text} {unit}".rstrip()


def table(results: Sequence[FamilyResult]) -> str:
    """A plain-text table: figure, value, baseline, ratio, target, verdict; a line for each
    family's title, failure and notes."""
    header = ("figure", "value", "baseline (same run)", "ratio", "target", "verdict")
    rows = [f.row() for r in results for f in r.figures]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    lines = [line(header), line(tuple("-" * w for w in widths))]
    for result in results:
        lines.append(f"[{result.name}] {result.title} ({result.seconds:.0f} s)")
        if result.error:
            last = [x.strip() for x in result.error.splitlines() if x.strip(" +-|")] or ["?"]
            lines.append("  FAILED: " + last[-1][:90])
        lines += [line(f.row()) for f in result.figures]
        lines += ["  note: " + note for note in result.notes]
    return "\n".join(lines)


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
