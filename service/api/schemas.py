"""Request and response shapes, separate from the domain's own values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, EmailStr, Field

from domain.journey.rules import next_action
from domain.journey.state import JourneyState
from domain.trainer.state import TrainerState
from domain.values import Module, Role


class RegisterTrainer(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["Asha Verma"])
    email: EmailStr
    country: str = Field(min_length=1, max_length=100, examples=["India"])
    is_expert: bool = Field(False, description="Register an expert trainer, not a candidate.")


class ScheduleWorkshop(BaseModel):
    module: Module
    code: str = Field(min_length=1, max_length=60, examples=["IND-WC-2026-02"])
    starts_on: date
    ends_on: date
    venue: str = Field(min_length=1, max_length=200)
    country: str = Field(min_length=1, max_length=100)
    expert_id: str = Field(description="The expert trainer who runs the workshop.")


class RegisterEnterprise(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    country: str = Field(min_length=1, max_length=100)
    sector: str = Field("", max_length=200, examples=["auto components"])
    employees: int = Field(ge=1, le=1_000_000)
    women_employees: int = Field(ge=0, le=1_000_000)


class Enrol(BaseModel):
    trainer_id: str
    workshop_id: str


@dataclass(frozen=True)
class NextStep:
    who: Role | None  # None once the journey has ended
    what: str


@dataclass(frozen=True)
class JourneyAnswer(JourneyState):
    """A journey as a step's answer shows it: its state and what comes next, from whom."""

    next_action: NextStep | None = None


@dataclass(frozen=True)
class TrainerAnswer(TrainerState):
    listed: bool = False


def journey_body(state: JourneyState) -> dict[str, Any]:
    action = next_action(state)
    answer = JourneyAnswer(**vars(state), next_action=NextStep(action.who, action.what))
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


def refusals(**described: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses an endpoint may answer."""
    return {
        int(code.removeprefix("e")): {"model": Refusal, "description": text}
        for code, text in described.items()
    }
