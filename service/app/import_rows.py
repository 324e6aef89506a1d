"""The CSV shapes of past records, read into typed rows; each problem names its row and column.

Row numbers are the file's line numbers as a spreadsheet shows them: the header is row 1.
The same shapes are written by the export (service/app/exports.py), so an export imports.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from domain.values import Module


class Kind(StrEnum):
    TRAINERS = "trainers"
    CERTIFICATIONS = "certifications"
    RECORDS = "records"


COLUMNS: dict[Kind, tuple[str, ...]] = {
    Kind.TRAINERS: ("name", "email", "country", "registered_on", "expert"),
    Kind.CERTIFICATIONS: ("email", "module", "certified_on", "certificate_number"),
    Kind.RECORDS: (
        "email",
        "module",
        "delivered_on",
        "enterprises",
        "participants",
        "description",
    ),
}
OPTIONAL = frozenset({"expert", "certificate_number", "description"})
YES, NO = frozenset({"yes", "true", "1"}), frozenset({"no", "false", "0", ""})


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str | None  # None: the row as a whole
    reason: str


class RowRefused(Exception):
    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, Any]  # typed: dates, ints, Module, bool
    command_id: str  # from the row's content: the same row imported again is the same command

    @property
    def email(self) -> str:
        value: str = self.values["email"]
        return value


def read_rows(kind: Kind, text: str) -> tuple[list[Row], list[RowProblem]]:
    """Every well-formed row, and a problem for each cell that is not."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))  # a spreadsheet's BOM
    try:
        header_problems = _check_header(kind, reader.fieldnames)
    except csv.Error as unreadable:
        return [], [RowProblem(1, None, f"the header cannot be read ({unreadable})")]
    if header_problems:
        return [], header_problems
    rows, problems = [], []
    try:
        for number, raw in _numbered(reader):
            try:
                rows.append(_typed(kind, number, raw))
            except RowRefused as refused:
                problems.append(RowProblem(number, refused.column, refused.reason))
    except csv.Error as unreadable:  # a NUL byte, a stray quote: the rest cannot be read
        reason = f"the file cannot be read from here on ({unreadable}); save it again as CSV"
        problems.append(RowProblem(reader.line_num, None, reason))
    return rows, problems


def command_id(kind: Kind, values: dict[str, Any]) -> str:
    """Derived from the row's content, so a re-run of the same file writes nothing twice."""
    content = "\x1f".join(f"{k}={values[k]}" for k in COLUMNS[kind])
    return f"import/{kind.value}/{hashlib.sha256(content.encode()).hexdigest()[:32]}"


def _numbered(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, str | None]]]:
    for raw in reader:
        yield reader.line_num, raw


def _check_header(kind: Kind, found: Any) -> list[RowProblem]:
    columns = [c.strip() for c in found or []]
    wanted = COLUMNS[kind]
    missing = [c for c in wanted if c not in columns and c not in OPTIONAL]
    unknown = [c for c in columns if c not in wanted]
    problems = [RowProblem(1, c, f"the column {c} is missing") for c in missing]
    problems += [
        RowProblem(1, c, f"unknown column {c}; the columns are {', '.join(wanted)}")
        for c in unknown
    ]
    return problems


def _typed(kind: Kind, number: int, raw: dict[str, str | None]) -> Row:
    if None in raw:  # csv puts extra cells under the key None
        raise RowRefused(None, f"more cells than the {len(COLUMNS[kind])} columns")
    cells = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
    values = {
        column: PARSERS.get(column, _text)(column, cells.get(column, ""))
        for column in COLUMNS[kind]
    }
    return Row(number, values, command_id(kind, values))


def _text(column: str, cell: str) -> str:
    if not cell and column not in OPTIONAL:
        raise RowRefused(column, f"{column} is empty")
    return cell


def _day(column: str, cell: str) -> date:
    try:
        return date.fromisoformat(cell)
    except ValueError:
        raise RowRefused(column, f"{cell!r} is not a date; write it as YYYY-MM-DD") from None


def _count(column: str, cell: str) -> int:
    if not re.fullmatch(r"[0-9]{1,9}", cell):
        raise RowRefused(column, f"{cell!r} is not a whole number (0 to 999999999)")
    return int(cell)


def _module(column: str, cell: str) -> Module:
    try:
        return Module(cell.upper())
    except ValueError:
        known = ", ".join(m.value for m in Module)
        raise RowRefused(column, f"{cell!r} is no module; the modules are {known}") from None


def _yes_no(column: str, cell: str) -> bool:
    if cell.lower() in YES | NO:
        return cell.lower() in YES
    raise RowRefused(column, f"{cell!r}: write yes or no")


PARSERS: dict[str, Callable[[str, str], Any]] = {
    "registered_on": _day,
    "certified_on": _day,
    "delivered_on": _day,
    "enterprises": _count,
    "participants": _count,
    "module": _module,
    "expert": _yes_no,
}
