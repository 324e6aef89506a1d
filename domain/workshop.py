"""ToT (Training of Trainers) workshops, scheduled by the programme office."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain import policy
from domain.countries import country_code, upcast_country
from domain.errors import InvalidInput
from domain.policy import About, Action
from domain.recorded import RecordedAggregate, created_fields
from domain.text import IDENTIFIER, VENUE, WORKSHOP_CODE, clean_field
from domain.values import Actor, Module


@dataclass(frozen=True)
class WorkshopPlan:
    module: Module
    code: str  # the programme office's own reference, e.g. "IND-WC-2026-02"
    starts_on: date
    ends_on: date
    venue: str
    country: str
    expert_id: str


@dataclass(frozen=True)
class WorkshopState:
    workshop_id: str
    plan: WorkshopPlan


def check_plan(plan: WorkshopPlan, actor: Actor, expert_is_expert: bool) -> None:
    policy.require(actor, Action.SCHEDULE_WORKSHOP)
    plan = clean_plan(plan)
    policy.require(actor, Action.SCHEDULE_WORKSHOP, About(countries=frozenset({plan.country})))
    if plan.ends_on < plan.starts_on:
        raise InvalidInput(
            f"The workshop ends ({plan.ends_on}) before it starts ({plan.starts_on})."
        )
    if not expert_is_expert:
        raise InvalidInput(f"{plan.expert_id} is not a registered expert trainer.")


def clean_plan(plan: WorkshopPlan) -> WorkshopPlan:
    """The plan with its text cleaned (domain/text.py); InvalidInput naming the field
    otherwise. The workshop's id comes from the cleaned code."""
    return replace(
        plan,
        code=clean_field("code", plan.code, WORKSHOP_CODE),
        venue=clean_field("venue", plan.venue, VENUE),
        country=country_code("country", plan.country),
        expert_id=clean_field("expert_id", plan.expert_id, IDENTIFIER),
    )


class ToTWorkshop(RecordedAggregate):
    if TYPE_CHECKING:  # declared for mypy only: eventsourcing turns annotations into __init__ args
        state: WorkshopState

    class Scheduled(RecordedAggregate.Created):
        class_version = 2  # v1 (release v0.1.0) recorded the country as free text
        module: str
        code: str
        starts_on: date
        ends_on: date
        venue: str
        country: str  # ISO 3166-1 alpha-2 (domain/countries.py)
        expert_id: str
        country_as_recorded: str | None  # v1's free text, kept by the upcast; None since

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_country(state)

        def apply_to(self, aggregate: Any) -> None:
            plan = WorkshopPlan(
                Module(self.module),
                self.code,
                self.starts_on,
                self.ends_on,
                self.venue,
                self.country,
                self.expert_id,
            )
            aggregate.state = WorkshopState(str(self.originator_id), plan)

    @classmethod
    def schedule(
        cls,
        workshop_id: UUID,
        plan: WorkshopPlan,
        expert_is_expert: bool,
        actor: Actor,
        command_id: str,
        at: datetime,
    ) -> ToTWorkshop:
        check_plan(plan, actor, expert_is_expert)
        plan = clean_plan(plan)
        return cls._create(
            cls.Scheduled,
            id=workshop_id,
            module=plan.module.value,
            code=plan.code,
            starts_on=plan.starts_on,
            ends_on=plan.ends_on,
            venue=plan.venue,
            country=plan.country,
            expert_id=plan.expert_id,
            country_as_recorded=None,
            **created_fields(actor, command_id, at),
        )
