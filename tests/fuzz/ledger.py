"""What the fuzzer sent and what it found, for the run's summary and the security figures."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BODY_EXCERPT = 400


@dataclass(frozen=True)
class Finding:
    """One request that broke an invariant, as a person would reproduce it."""

    backend: str
    role: str
    method: str
    path: str  # as sent, ids filled in
    status: int | None  # None: no answer at all
    problems: tuple[str, ...]  # the failed checks, by title
    request_body: str
    response_body: str
    reproduce: str  # a curl command

    @property
    def kind(self) -> tuple[str, str, str, int | None, tuple[str, ...]]:
        """Findings of one kind: same operation, role, status and problems."""
        return (self.backend, self.role, self.method, self.status, self.problems)


@dataclass
class Ledger:
    requests: Counter[str] = field(default_factory=Counter)  # by backend
    statuses: Counter[str] = field(default_factory=Counter)  # "backend status"
    # "backend role METHOD /path/{template} status": which requests reached the rules
    cells: Counter[str] = field(default_factory=Counter)
    problems: Counter[str] = field(default_factory=Counter)  # "backend problem title"
    findings: list[Finding] = field(default_factory=list)
    _kinds: set[tuple[Any, ...]] = field(default_factory=set)

    def sent(self, backend: str, role: str, operation: str, status: int | None) -> None:
        answer = status if status is not None else "no answer"
        self.requests[backend] += 1
        self.statuses[f"{backend} {answer}"] += 1
        self.cells[f"{backend} {role} {operation} {answer}"] += 1

    def found(self, finding: Finding, operation: str) -> None:
        for problem in finding.problems:
            self.problems[f"{finding.backend} {problem}"] += 1
        kind = (*finding.kind, operation)
        if kind not in self._kinds:  # one example of each kind is enough to reproduce it
            self._kinds.add(kind)
            self.findings.append(finding)

    def summary(self) -> list[str]:
        lines = [
            f"{backend}: {count} requests, statuses "
            + ", ".join(
                f"{key.split(' ', 1)[1]}×{n}"
                for key, n in sorted(self.statuses.items())
                if key.startswith(f"{backend} ")
            )
            for backend, count in sorted(self.requests.items())
        ]
        lines += [f"{key}: {n}" for key, n in sorted(self.problems.items())]
        if not self.problems:
            lines.append("no 5xx, no response outside the schema, no event written by a refusal")
        return lines

    def write(self, path: Path) -> None:
        report = {
            "requests": dict(self.requests),
            "statuses": dict(self.statuses),
            "cells": dict(sorted(self.cells.items())),
            "problems": dict(self.problems),
            "findings": [asdict(f) for f in self.findings],
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False))


LEDGER = Ledger()  # one per test session: pytest runs the fuzz tests one after another


def excerpt(text: str | bytes | None) -> str:
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="backslashreplace")
    return text if len(text) <= BODY_EXCERPT else f"{text[:BODY_EXCERPT]}…"
