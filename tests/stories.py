"""A small vocabulary for telling journeys in tests: people, a clock, and the usual steps."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

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


# The same path over HTTP: (who takes it, the step's URL suffix, its JSON body), from the ToT
# result to the certificate; the candidate's visits and reports may repeat (COACHING, PROGRESS).
HttpStep = tuple[str, str, dict[str, Any] | None]


def http_path(enterprise_id: str, on: date) -> list[HttpStep]:
    firm, day = {"enterprise_id": enterprise_id}, on.isoformat()
    return [
        ("expert", "tot-result", {"attended": True, "completed": True}),
        ("candidate", "enterprises", firm),
        ("candidate", "baseline-assessments", firm | {"visited_on": day, "indicators": BASELINE}),
        (
            "candidate",
            "classroom-workshop",
            {"held_on": day, "managers": 6, "workers": 14, "women": 7},
        ),
        ("candidate", "coaching-visits", firm | {"visited_on": day}),
        ("candidate", "progress-reports", firm | {"indicators": PROGRESS}),
        ("expert", "assessment", {"outcome": "recommended"}),
        ("office", "certification", None),
    ]


COACHING, PROGRESS_REPORT = 4, 5  # their places in http_path


class Story:
    """A programme office, a clock that only moves forward, and helpers for each step."""

    def __init__(
        self, app: Certification, start: datetime | None = None, tick: timedelta = timedelta(days=1)
    ) -> None:
        self.app = app
        self.now = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        self.tick = tick  # how far the clock moves at each event (the benchmarks: a second)
        self.hq = Actor("hq-office", Role.HQ)
        self.tag = new_id()[:8]

    def later(self, days: float | None = None) -> datetime:
        self.now += self.tick if days is None else timedelta(days=days)
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

    def schedule_workshop(self, module: Module, expert: Actor, ends_on: date | None = None) -> str:
        """A workshop that ran in the days up to its last day, today unless `ends_on` says:
        candidates are enrolled until the day is over everywhere, and results recorded from
        that day on."""
        at = self.later()
        last_day = ends_on or at.date()
        plan = WorkshopPlan(
            module,
            f"IND-{module.value}-{new_id()[:6]}",
            last_day - timedelta(days=4),
            last_day,
            "Faridabad",
            "IN",
            expert.user_id,
        )
        return self.app.schedule_workshop(plan, self.hq, new_id(), at).state.workshop_id

    def register_enterprise(self, employees: int = 120) -> str:
        details = EnterpriseDetails(
            f"Auto Parts {new_id()[:8]}", "IN", "auto components", employees, employees // 4
        )
        result = self.app.register_enterprise(details, self.hq, new_id(), self.later())
        return result.state.enterprise_id

    def enrol(self, candidate: Actor, module: Module, expert: Actor) -> JourneyState:
        workshop = self.schedule_workshop(module, expert)
        # On the workshop's last day, whatever the hour: enrolment closes when it ends.
        return self.app.enrol(candidate.user_id, workshop, self.hq, new_id(), self.later(0.1)).state

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


def version_of(journey: JourneyState, kind: str) -> int:
    """The position in the journey's history of its one recorded step of `kind`."""
    (version,) = [r.version for r in journey.recorded if r.step.kind == kind]
    return version


def visit_days(journey: JourneyState) -> list[str]:
    """The days of the journey's coaching visits in effect (voided ones left out)."""
    return [
        r.step.visited_on.isoformat()
        for r in journey.recorded
        if isinstance(r.step, RecordCoachingVisit) and not r.voided
    ]
