"""Request and response shapes, separate from the domain's own values.

Every text a request carries is judged by the domain's own rule (domain/text.py) as the body
is read, so a refused character is a 422 naming the field before any workflow is asked; the
domain judges it again, for every other way in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi.encoders import jsonable_encoder
from pydantic import AfterValidator, BaseModel, EmailStr, Field, StringConstraints
from pydantic_core import PydanticCustomError

from domain.countries import country_code
from domain.errors import InvalidInput
from domain.indicators import Indicator
from domain.journey import steps as journey
from domain.journey.next_steps import Awaited, awaited
from domain.journey.state import JourneyState
from domain.text import (
    COUNTRY,
    EMAIL,
    FREE_TEXT,
    IDENTIFIER,
    INDICATOR_NAME,
    ORGANISATION_NAME,
    PERSON_NAME,
    REASON,
    SECTOR,
    VENUE,
    WORKSHOP_CODE,
    TextRefused,
    TextRule,
    clean_keys,
    clean_text,
)
from domain.trainer import steps as standing
from domain.trainer.state import TrainerState
from domain.values import Module, Role
from domain.workshop import WorkshopPlan
from projections.queries import JourneyView


def _refusal(problem: str) -> PydanticCustomError:
    # The problem goes in as context, not as the template, so braces in it stay text.
    return PydanticCustomError("invalid_text", "{problem}", {"problem": problem})


def judged(rule: TextRule) -> AfterValidator:
    """Pydantic's check of a text field by the domain's rule: the cleaned text, or a 422."""

    def judge(value: str) -> str:
        try:
            return clean_text(value, rule)
        except TextRefused as refused:
            raise _refusal(refused.problem) from None

    return AfterValidator(judge)


def _judge_country(value: str) -> str:
    """An ISO 3166-1 alpha-2 code in capitals, or a 422 that names the code to use."""
    try:
        return country_code("country", value)
    except InvalidInput as refused:  # the domain named the field; the 422's location does
        raise _refusal(refused.reason.removeprefix("country: ")) from None


def _judge_indicator_names(values: dict[str, float]) -> dict[str, float]:
    try:
        return clean_keys("indicators", values, INDICATOR_NAME)
    except InvalidInput as refused:  # the domain named the field; the 422's location does
        raise _refusal(refused.reason.removeprefix("indicators: ")) from None


def _limits(rule: TextRule) -> StringConstraints:
    """What the OpenAPI document says of the field (the domain's rule says more)."""
    return StringConstraints(min_length=1 if rule.required else None, max_length=rule.max_length)


PersonName = Annotated[str, _limits(PERSON_NAME), judged(PERSON_NAME)]
OrganisationName = Annotated[str, _limits(ORGANISATION_NAME), judged(ORGANISATION_NAME)]
Country = Annotated[
    str,
    _limits(COUNTRY),
    Field(description="ISO 3166-1 alpha-2 code, any case: IN, LK, VN", examples=["IN"]),
    AfterValidator(_judge_country),
]
WorkshopCode = Annotated[str, _limits(WORKSHOP_CODE), judged(WORKSHOP_CODE)]
Venue = Annotated[str, _limits(VENUE), judged(VENUE)]
Sector = Annotated[str, _limits(SECTOR), judged(SECTOR)]
Identifier = Annotated[str, _limits(IDENTIFIER), judged(IDENTIFIER)]
FreeText = Annotated[str, _limits(FREE_TEXT), judged(FREE_TEXT)]
Reason = Annotated[str, _limits(REASON), judged(REASON)]
# The e-mail validator refuses what no address holds; the domain's rule refuses the rest.
Email = Annotated[EmailStr, judged(EMAIL)]
Indicators = Annotated[
    dict[str, float],
    Field(
        description=f"Indicator name → value; the names: {', '.join(Indicator)}.",
        examples=[{"productivity": 100, "defects": 8}],
    ),
    AfterValidator(_judge_indicator_names),
]


class RegisterTrainer(BaseModel):
    name: PersonName = Field(examples=["Asha Verma"])
    email: Email
    country: Country
    is_expert: bool = Field(False, description="Register an expert trainer, not a candidate.")


class EditTrainer(BaseModel):
    """What changes: a name's spelling, a new e-mail. What is left out stays as it is."""

    name: PersonName | None = Field(None, examples=["Asha Verma-Rao"])
    email: Email | None = None


class MergeTrainers(BaseModel):
    """The other record of the same person, to be merged into the one the path names."""

    merged_id: Identifier = Field(description="The record merged away; it reads as this one.")
    reason: Reason = Field(examples=["Registered twice, once with a work e-mail"])


class ErasePersonalData(BaseModel):
    """Why the person's personal data are erased (their request, its date), kept on record;
    and the person's id again, since an erasure cannot be undone."""

    trainer_id: Identifier = Field(description="The id the path names, to confirm whose.")
    reason: Reason = Field(examples=["The person's request of 2 March 2027"])


class ScheduleWorkshop(BaseModel):
    module: Module
    code: WorkshopCode = Field(examples=["IND-WC-2026-02"])
    starts_on: date
    ends_on: date
    venue: Venue
    country: Country
    expert_id: Identifier = Field(description="The expert trainer who runs the workshop.")

    def plan(self) -> WorkshopPlan:
        return WorkshopPlan(
            self.module,
            self.code,
            self.starts_on,
            self.ends_on,
            self.venue,
            self.country,
            self.expert_id,
        )


class RegisterEnterprise(BaseModel):
    name: OrganisationName
    country: Country
    sector: Sector = Field("", examples=["auto components"])
    employees: int = Field(ge=1, le=1_000_000)
    women_employees: int = Field(ge=0, le=1_000_000)


class RescheduleWorkshop(BaseModel):
    """New dates or venue, and why. What is left out stays as it is."""

    reason: Reason = Field(examples=["The venue is flooded"])
    starts_on: date | None = None
    ends_on: date | None = None
    venue: Venue | None = Field(None, examples=["Pune"])


class CancelWorkshop(BaseModel):
    reason: Reason = Field(examples=["Too few candidates"])


class EditEnterprise(BaseModel):
    """What changes: the name's spelling, the sector, the employee counts (not the country).
    What is left out stays as it is."""

    name: OrganisationName | None = None
    sector: Sector | None = None
    employees: int | None = Field(None, ge=1, le=1_000_000)
    women_employees: int | None = Field(None, ge=0, le=1_000_000)


class Enrol(BaseModel):
    trainer_id: Identifier
    workshop_id: Identifier
    backdated_reason: Reason | None = Field(
        None,
        description="Only the programme office, only to enrol in a workshop that has ended: "
        "why (a past record brought in).",
    )


# -- the bodies of steps that carry text (the others are the domain's commands as they are)


class SelectEnterprise(BaseModel):
    enterprise_id: Identifier

    def step(self) -> journey.SelectEnterprise:
        return journey.SelectEnterprise(self.enterprise_id)


class RecordBaselineAssessment(BaseModel):
    enterprise_id: Identifier
    visited_on: date
    indicators: Indicators = Field(default_factory=dict)

    def step(self) -> journey.RecordBaselineAssessment:
        return journey.RecordBaselineAssessment(
            self.enterprise_id, self.visited_on, self.indicators
        )


class RecordCoachingVisit(BaseModel):
    enterprise_id: Identifier
    visited_on: date
    notes: FreeText = ""

    def step(self) -> journey.RecordCoachingVisit:
        return journey.RecordCoachingVisit(self.enterprise_id, self.visited_on, self.notes)


class ReportProgress(BaseModel):
    enterprise_id: Identifier
    indicators: Indicators = Field(default_factory=dict)

    def step(self) -> journey.ReportProgress:
        return journey.ReportProgress(self.enterprise_id, self.indicators)


class AssessCycle(BaseModel):
    outcome: journey.Outcome
    comments: FreeText = ""

    def step(self) -> journey.AssessCycle:
        return journey.AssessCycle(self.outcome, self.comments)


class Withdraw(BaseModel):
    reason: Reason = Field(examples=["Moved to another region."])

    def step(self) -> journey.Withdraw:
        return journey.Withdraw(self.reason)


class ReassignExpert(BaseModel):
    expert_id: Identifier = Field(description="The expert trainer who takes the candidate over.")
    reason: Reason = Field(examples=["Their expert trainer retired."])

    def step(self) -> journey.ReassignExpert:
        return journey.ReassignExpert(self.expert_id, self.reason)


class CorrectStep(BaseModel):
    """Amend a recorded ToE step (the values given replace the recorded ones) or void it."""

    step_version: int = Field(
        ge=1,
        description="The recorded step's position in the journey's history (its `version` "
        "in the journey's `recorded` steps and in GET /audit/journeys/{id}/history).",
    )
    reason: Reason = Field(examples=["The visit was on 5 March, not 3 March."])
    void: bool = Field(False, description="Strike the step out instead of amending it.")
    visited_on: date | None = None
    held_on: date | None = None
    indicators: Indicators | None = None
    managers: int | None = Field(None, ge=0)
    workers: int | None = Field(None, ge=0)
    women: int | None = Field(None, ge=0)
    satisfaction: float | None = Field(None, ge=0, le=100)
    notes: FreeText | None = None

    def step(self) -> journey.Correction:
        values = self.model_dump(exclude={"step_version", "reason", "void"}, exclude_none=True)
        if not self.void:
            return journey.AmendStep(self.step_version, self.reason, **values)
        if values:
            raise InvalidInput(
                f"A voided step keeps no values; leave out {', '.join(sorted(values))}, or "
                "amend the step instead of voiding it.",
                code="values_with_void",
            )
        return journey.VoidStep(self.step_version, self.reason)


class SubmitTrainingRecord(BaseModel):
    delivered_on: date
    module: Module = Field(examples=["WC"])
    enterprises: int
    participants: int
    description: FreeText = ""

    def step(self) -> standing.SubmitTrainingRecord:
        return standing.SubmitTrainingRecord(
            self.delivered_on,
            self.module.value,
            self.enterprises,
            self.participants,
            self.description,
        )


class RemoveForCause(BaseModel):
    ground: standing.RemovalGround
    reason: Reason

    def step(self) -> standing.RemoveForCause:
        return standing.RemoveForCause(self.ground, self.reason)


class Reinstate(BaseModel):
    reason: Reason

    def step(self) -> standing.Reinstate:
        return standing.Reinstate(self.reason)


@dataclass(frozen=True)
class NextStep:
    """What the journey waits for (`domain.journey.next_steps.awaited`): the sentence, and the
    same as data, the enterprise by id and by name."""

    who: Role | None  # None once the journey has ended
    what: str
    step: str | None = None  # the step's kind (e.g. coaching_visit); None once ended
    enterprise_id: str | None = None  # the enterprise the step is about, if any
    enterprise_name: str | None = None
    due_on: date | None = None  # after this day the journey is overdue (a stall reminder)

    @classmethod
    def of(cls, waiting: Awaited, names: Mapping[str, str] | None = None) -> NextStep:
        """`names`: enterprise id → name, so the answer names the enterprise as people do."""
        named = (names or {}).get(waiting.enterprise_id) if waiting.enterprise_id else None
        return cls(
            waiting.who,
            waiting.what,
            waiting.step,
            waiting.enterprise_id,
            named,
            waiting.due_on,
        )


@dataclass(frozen=True, kw_only=True)
class JourneyAnswer(JourneyState):
    """A journey as a step's answer shows it: its state, its `next_action` the sentence (as
    `GET /journeys/{id}` and every list of journeys give it) and `next_step` the same as data,
    in the shape `GET /journeys/{id}` answers it."""

    next_action: str
    next_step: NextStep


@dataclass(frozen=True)
class JourneyRead(JourneyView):
    """A journey as `GET /journeys/{id}` reads it: the read model's view, its `next_action`
    the sentence as every list of journeys gives it, and `next_step` the same as data."""

    next_step: NextStep


@dataclass(frozen=True)
class TrainerAnswer(TrainerState):
    listed: bool = False


def journey_body(
    state: JourneyState, stall_after: timedelta, names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """`stall_after`: the stall period in force; `names`: enterprise id → name."""
    waiting = NextStep.of(awaited(state, stall_after, names), names)
    answer = JourneyAnswer(**vars(state), next_action=waiting.what, next_step=waiting)
    body: dict[str, Any] = jsonable_encoder(answer)
    return body


def trainer_body(state: TrainerState) -> dict[str, Any]:
    body: dict[str, Any] = jsonable_encoder(TrainerAnswer(**vars(state), listed=state.listed))
    return body


class MaterialOpened(BaseModel):
    module: Module
    module_name: str
    material: str
    granted: bool


class Refusal(BaseModel):
    """Every error: what went wrong, in words a person can act on, and its kind."""

    detail: str
    error: str
    code: str | None = None  # a domain refusal's stable code, for the reader's own language
    params: dict[str, str | int | float] | None = None


def refusals(**described: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses an endpoint may answer."""
    return {
        int(code.removeprefix("e")): {"model": Refusal, "description": text}
        for code, text in described.items()
    }
