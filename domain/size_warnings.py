"""The size warning: an enterprise outside the SME range in force when it was chosen.

A warning, not a refusal: the enterprise is accepted, and the warning is recorded with the
event that chose it (`Enterprise.Registered`, `Enterprise.DetailsEdited`,
`Journey.EnterpriseSelected`). Like a refusal (domain/errors.py) it carries a stable `code`
and the `params` its words are written from, so that people read it in their own language
(the pages render it from the `warnings` catalog), while `detail` is the English sentence (the
JSON API gives all three). A warning recorded before warnings carried a code (an earlier class
version of those events, upcast) keeps its words as recorded and has no code: it is shown as
recorded, in every language, and never reworded, as a past decision is never rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SIZE_WARNING = "enterprise_outside_sme_size"


@dataclass(frozen=True)
class SizeWarning:
    """An enterprise outside the SME range in force when it was chosen: `detail` in English,
    `code` and `params` for the reader's language; a null code: recorded as text before
    warnings carried codes, `detail` as recorded."""

    detail: str  # the English sentence; for a warning recorded before codes, its words then
    code: str | None  # None: recorded before codes; its detail is shown as is
    # employees, min_employees, max_employees, policy_version (the range's own version)
    params: dict[str, int]

    @classmethod
    def outside(
        cls, employees: int, min_employees: int, max_employees: int, policy_version: int
    ) -> SizeWarning:
        params = {
            "employees": employees,
            "min_employees": min_employees,
            "max_employees": max_employees,
            "policy_version": policy_version,
        }
        return cls(worded(params), SIZE_WARNING, params)

    @classmethod
    def as_recorded(cls, text: str) -> SizeWarning:
        """A warning recorded as text alone, before warnings carried a code."""
        return cls(text, None, {})

    @classmethod
    def from_event(
        cls, recorded: dict[str, Any] | None, as_recorded: str | None
    ) -> SizeWarning | None:
        """The warning an event recorded: its code and params (`recorded()`), else the text
        of an event stored before them (kept by the upcast), else none."""
        if recorded is not None:
            params = {str(k): int(v) for k, v in dict(recorded.get("params") or {}).items()}
            return cls(worded(params), str(recorded["code"]), params)
        if as_recorded is not None:
            return cls.as_recorded(as_recorded)
        return None

    def recorded(self) -> dict[str, Any] | None:
        """What an event stores of it: its code and params (None for a warning without a code,
        whose text its own event field keeps)."""
        if self.code is None:
            return None
        return {"code": self.code, "params": dict(self.params)}


def worded(params: dict[str, int]) -> str:
    """The English sentence of a size warning, from its params."""
    return (
        f"{params['employees']} employees is outside the SCORE target of "
        f"{params['min_employees']}–{params['max_employees']} (small and medium enterprises; "
        f"policy version {params['policy_version']})."
    )


def recorded_fields(warning: SizeWarning | None) -> dict[str, Any]:
    """The event fields that record `warning` (from the events' v3 on: v3 of
    `Enterprise.Registered` and `Journey.EnterpriseSelected`, v2 of `Enterprise.DetailsEdited`)."""
    if warning is None:
        return {"size_warning": None, "size_warning_as_recorded": None}
    recorded = warning.recorded()
    return {
        "size_warning": recorded,
        "size_warning_as_recorded": None if recorded is not None else warning.detail,
    }


def upcast_text(state: dict[str, Any]) -> None:
    """An event stored before warnings had a code recorded the warning as English text in
    `size_warning`: keep it as recorded, in `size_warning_as_recorded`."""
    state["size_warning_as_recorded"] = state.get("size_warning")
    state["size_warning"] = None
