"""A journey step's form, read into the domain's step by the JSON API's own request shapes.

The same pydantic models (and so the same text rules, `domain/text.py`) judge a form as judge
a JSON body; what they refuse comes back as one problem per field, and nothing is sent on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from domain.indicators import Indicator
from domain.journey.steps import (
    Certify,
    Correction,
    DeliverClassroomWorkshop,
    JourneyStep,
    RecordToTResult,
)
from service.http import schemas
from service.http.field_errors import field_name, field_problem

INDICATOR_FIELD = "indicator_"  # + the indicator's name: one number field each
TOT_RESULTS = {
    "completed": RecordToTResult(attended=True, completed=True),
    "not_completed": RecordToTResult(attended=True, completed=False),
    "absent": RecordToTResult(attended=False, completed=False),
}
INDICATORS = tuple(indicator.value for indicator in Indicator)


class FormProblems(Exception):
    """What is wrong with the form, field by field (field name → message)."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


# The kinds whose body is one of the API's models, and the fields each reads from the form.
MODELS: dict[str, tuple[type[BaseModel], tuple[str, ...]]] = {
    "select_enterprise": (schemas.SelectEnterprise, ("enterprise_id",)),
    "baseline_assessment": (schemas.RecordBaselineAssessment, ("enterprise_id", "visited_on")),
    "coaching_visit": (schemas.RecordCoachingVisit, ("enterprise_id", "visited_on", "notes")),
    "progress_report": (schemas.ReportProgress, ("enterprise_id",)),
    "assessment": (schemas.AssessCycle, ("outcome", "comments")),
    "withdrawal": (schemas.Withdraw, ("reason",)),
}
WITH_INDICATORS = frozenset({"baseline_assessment", "progress_report"})
STEP_KINDS = frozenset({*MODELS, "tot_result", "classroom_workshop", "certification"})


def step_from_form(kind: str, form: Mapping[str, str], language: str) -> JourneyStep:
    """The step the form asks for, or FormProblems (said in `language`)."""
    if kind == "tot_result":
        result = TOT_RESULTS.get(form.get("result", ""))
        if result is None:
            raise FormProblems({"result": "Choose one of the three results."})
        return result
    if kind == "certification":
        return Certify()
    if kind == "classroom_workshop":
        fields = {name: form.get(name, "") for name in ("held_on", "managers", "workers", "women")}
        adapter = TypeAdapter(DeliverClassroomWorkshop)
        return _validated(adapter, fields, language)  # type: ignore[no-any-return]
    model, names = MODELS[kind]
    body: dict[str, Any] = {name: form.get(name, "") for name in names}
    if kind in WITH_INDICATORS:
        body["indicators"] = {
            name: form[INDICATOR_FIELD + name]
            for name in INDICATORS
            if form.get(INDICATOR_FIELD + name, "").strip()
        }
    parsed = _validated(TypeAdapter(model), body, language)
    step: JourneyStep = parsed.step()
    return step


def _validated(adapter: TypeAdapter[Any], body: dict[str, Any], language: str) -> Any:
    try:
        return adapter.validate_python(body)
    except ValidationError as invalid:
        raise FormProblems(
            {_field(error["loc"]): field_problem(error, language) for error in invalid.errors()}
        ) from None


def _field(location: tuple[int | str, ...]) -> str:
    """`("indicators", "defects")` → the form's field `indicator_defects`."""
    if len(location) == 2 and location[0] == "indicators":
        return f"{INDICATOR_FIELD}{location[1]}"
    return field_name(location)


# A correction's form: the step's version, the reason, "void", and the values that change
# (a field left empty keeps the recorded value).
CORRECTION_VALUES = ("visited_on", "held_on", "managers", "workers", "women", "notes")


def correction_from_form(form: Mapping[str, str], language: str) -> Correction:
    """The amendment or voiding the form asks for, or FormProblems (said in `language`);
    `InvalidInput` when it voids a step and gives values too (as the JSON API refuses)."""
    body: dict[str, Any] = {
        "step_version": form.get("step_version", ""),
        "reason": form.get("reason", ""),
        "void": form.get("void") == "yes",
        **{name: form[name] for name in CORRECTION_VALUES if form.get(name, "").strip()},
    }
    indicators = {
        name: form[INDICATOR_FIELD + name]
        for name in INDICATORS
        if form.get(INDICATOR_FIELD + name, "").strip()
    }
    if indicators:
        body["indicators"] = indicators
    parsed: schemas.CorrectStep = _validated(TypeAdapter(schemas.CorrectStep), body, language)
    return parsed.step()
