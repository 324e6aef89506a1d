"""Request and response shapes, separate from the domain's own values."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, EmailStr, Field

from domain.journey.rules import next_action
from domain.journey.state import JourneyState
from domain.trainer.state import TrainerState
from domain.values import Module


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


def journey_body(state: JourneyState) -> dict[str, Any]:
    """A journey as the API shows it: its state and, in words, what comes next and from whom."""
    action = next_action(state)
    body: dict[str, Any] = jsonable_encoder(state)
    body["next_action"] = {"who": action.who.value if action.who else None, "what": action.what}
    return body


def trainer_body(state: TrainerState) -> dict[str, Any]:
    body: dict[str, Any] = jsonable_encoder(state)
    body["listed"] = state.listed
    return body
