"""A small vocabulary for telling journeys in tests: people, a clock, and the usual steps."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from domain.enterprise import EnterpriseDetails
from domain.journey.state import JourneyState
from domain.journey.steps import (
    AssessCycle,
    Certify,
    DeliverClassroomWorkshop,
    JourneyStep,
    Outcome,
    RecordBaselineAssessment,
    RecordCoachingVisit,
    RecordToTResult,
    ReportProgress,
    SelectEnterprise,
)
from domain.trainer.state import TrainerState
from domain.values import Actor, Module, Role
from domain.workshop import WorkshopPlan
from service.app.certification import Certification

BASELINE = {"productivity": 100.0, "defects": 8.0, "absenteeism": 6.0}
PROGRESS = {"productivity": 130.0, "defects": 4.0, "absenteeism": 5.0}


def new_id() -> str:
    return uuid.uuid4().hex


class Story:
    """A programme office, a clock that only moves forward, and helpers for each step."""

    def __init__(self, app: Certification, start: datetime | None = None) -> None:
        self.app = app
        self.now = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        self.hq = Actor("hq-office", Role.HQ)
        self.tag = new_id()[:8]

    def later(self, days: float = 1) -> datetime:
        self.now += timedelta(days=days)
        return self.now

    def register_expert(self, name: str = "Esther Expert") -> Actor:
        state = self.app.register_trainer(
            name,
            f"expert-{new_id()[:10]}@example.org",
            "IN",
            self.hq,
            new_id(),
            self.later(),
            is_expert=True,
        ).state
        return Actor(state.trainer_id, Role.EXPERT)

    def register_candidate(self, name: str = "Carla Candidate") -> Actor:
        state = self.app.register_trainer(
            name, f"cand-{new_id()[:10]}@example.org", "IN", self.hq, new_id(), self.later()
        ).state
        return Actor(state.trainer_id, Role.TRAINER)

    def schedule_workshop(self, module: Module, expert: Actor) -> str:
        plan = WorkshopPlan(
            module,
            f"IND-{module.value}-{new_id()[:6]}",
            # It ran in the days up to now: results can be recorded from now on.
            (self.now - timedelta(days=4)).date(),
            self.now.date(),
            "Faridabad",
            "IN",
            expert.user_id,
        )
        return self.app.schedule_workshop(plan, self.hq, new_id(), self.later()).state.workshop_id

    def register_enterprise(self, employees: int = 120) -> str:
        details = EnterpriseDetails(
            f"Auto Parts {new_id()[:8]}", "IN", "auto components", employees, employees // 4
        )
        result = self.app.register_enterprise(details, self.hq, new_id(), self.later())
        return result.state.enterprise_id

    def enrol(self, candidate: Actor, module: Module, expert: Actor) -> JourneyState:
        workshop = self.schedule_workshop(module, expert)
        return self.app.enrol(candidate.user_id, workshop, self.hq, new_id(), self.later()).state

    def step(self, journey: JourneyState, step: JourneyStep, actor: Actor) -> JourneyState:
        return self.app.take_step(journey.journey_id, step, actor, new_id(), self.later()).state

    def run_cycle(
        self, journey: JourneyState, candidate: Actor, enterprises: int = 1
    ) -> JourneyState:
        """Select, assess, teach, coach and report: a complete ToE cycle."""
        ids = [self.register_enterprise() for _ in range(enterprises)]
        for eid in ids:
            journey = self.step(journey, SelectEnterprise(eid), candidate)
            visited = self.now.date()
            journey = self.step(
                journey, RecordBaselineAssessment(eid, visited, BASELINE), candidate
            )
        journey = self.step(journey, DeliverClassroomWorkshop(self.now.date(), 8, 16, 7), candidate)
        for eid in ids:
            journey = self.step(journey, RecordCoachingVisit(eid, self.now.date()), candidate)
            journey = self.step(journey, ReportProgress(eid, PROGRESS), candidate)
        return journey

    def assess(self, journey: JourneyState, expert: Actor, outcome: Outcome) -> JourneyState:
        return self.step(journey, AssessCycle(outcome, "observed in class"), expert)

    def certified_in(self, module: Module, candidate: Actor, expert: Actor) -> TrainerState:
        """The whole happy journey, from enrolment to certification."""
        journey = self.enrol(candidate, module, expert)
        journey = self.step(journey, RecordToTResult(attended=True, completed=True), expert)
        journey = self.run_cycle(journey, candidate)
        journey = self.assess(journey, expert, "recommended")
        self.step(journey, Certify(), self.hq)
        return self.app.trainer(candidate.user_id)

    def ready_to_assess(self, candidate: Actor, expert: Actor) -> JourneyState:
        journey = self.enrol(candidate, Module.WC, expert)
        journey = self.step(journey, RecordToTResult(attended=True, completed=True), expert)
        return self.run_cycle(journey, candidate)
