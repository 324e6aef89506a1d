"""Realistic demo data: a few dozen candidates across modules and stages.

History is written through the application with the dates it happened on (as an import of
past records would be), then every open journey and every standing is handed to its Temporal
workflow, which carries on from there: the overdue journey gets its stall reminder, the
certified trainers' yearly clocks run. Loading twice changes nothing (the first expert's e-mail is
already in the register).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
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
    Withdraw,
)
from domain.trainer.steps import SubmitTrainingRecord
from domain.values import Actor, Module, Role
from domain.workshop import WorkshopPlan
from service.app.accounts import Accounts, UserExists
from service.app.certification import Certification
from service.bootstrap.parts import build_accounts, build_certification
from service.settings import Settings
from service.storage.database import create_service_engine
from workflows.client import JourneyGateway
from workflows.worker import connect

HQ = Actor("demo-office", Role.HQ)
COUNTRIES = ["IN", "PK", "CO", "VN", "GH", "ID"]
FIRST = [
    "Asha",
    "Bilal",
    "Carolina",
    "Dung",
    "Efua",
    "Farid",
    "Gita",
    "Hassan",
    "Ines",
    "Joko",
    "Kwame",
    "Lina",
    "Mei",
    "Nadia",
    "Omar",
    "Priya",
    "Quang",
    "Rosa",
    "Sani",
    "Tariq",
    "Usha",
    "Valeria",
    "Wahyu",
    "Yaw",
    "Zara",
    "Arjun",
    "Beatriz",
    "Chidi",
    "Diego",
    "Esi",
    "Fatima",
    "Gabriel",
    "Hoa",
    "Imran",
    "Juliana",
    "Kofi",
]
LAST = [
    "Verma",
    "Khan",
    "Trevisi",
    "Nguyen",
    "Mensah",
    "Siddiqui",
    "Rao",
    "Ali",
    "Gómez",
    "Santoso",
    "Owusu",
    "Haddad",
]
SECTORS = ["auto components", "ready-made garments", "leather", "textiles", "food processing"]
# Stages a candidate's WC journey reaches in the demo, and how many candidates reach each.
STAGES = {
    "enrolled": 4,
    "toe": 8,
    "overdue": 1,
    "recommended": 3,
    "provisional": 2,
    "not_recommended": 2,
    "withdrawn": 2,
    "certified": 10,
    "delisted": 1,
    "second_module": 3,
}
# When each kind of journey began (days before now), so that exactly one open journey is
# overdue (no step for 60 days) and the certified trainers' clocks are at different points.
BACKDATED = "demo data: past records brought in"
DAYS_AGO: dict[str, tuple[int, int]] = {  # stage: (days, more days per candidate number)
    "enrolled": (20, 1),
    "toe": (45, 1),
    "overdue": (200, 0),
    "recommended": (95, 0),
    "provisional": (95, 0),
    "not_recommended": (300, -1),
    "withdrawn": (250, -1),
    "certified": (420, -6),
    "delisted": (470, 0),
    "second_module": (430, 0),
}


@dataclass
class Clock:
    """Dates from about sixteen months ago, moving forward a few days per step."""

    now: datetime
    at: datetime = field(init=False)

    def __post_init__(self) -> None:
        # Before every workshop: the earliest journey (delisted, 470 days ago) records its
        # ToT result after the workshop it attended has ended.
        self.at = self.now - timedelta(days=500)

    def start(self, days_ago: int) -> None:
        self.at = self.now - timedelta(days=days_ago)

    def next(self, days: int = 4) -> datetime:
        self.at += timedelta(days=days)
        return self.at


@dataclass
class Demo:
    app: Certification
    clock: Clock
    commands: Iterator[int] = field(default_factory=itertools.count)
    experts: list[Actor] = field(default_factory=list)
    workshops: dict[Module, list[str]] = field(default_factory=dict)
    certified: list[str] = field(default_factory=list)
    open_journeys: list[JourneyState] = field(default_factory=list)

    def cid(self) -> str:
        return f"demo-{next(self.commands)}"

    def person(self, n: int, expert: bool = False) -> Actor:
        name = f"{FIRST[n % len(FIRST)]} {LAST[n % len(LAST)]}"
        email = _email(n, expert)
        state = self.app.register_trainer(
            name,
            email,
            COUNTRIES[n % len(COUNTRIES)],
            HQ,
            self.cid(),
            self.clock.next(0),
            is_expert=expert,
        ).state
        return Actor(state.trainer_id, Role.EXPERT if expert else Role.TRAINER)

    def enrol(self, candidate: Actor, workshop: str) -> JourneyState:
        """The office brings in a past enrolment: the workshop may have ended since."""
        return self.app.enrol(
            candidate.user_id,
            workshop,
            HQ,
            self.cid(),
            self.clock.next(),
            backdated_reason=BACKDATED,
        ).state

    def schedule(self, module: Module, n: int) -> str:
        expert = self.experts[n % len(self.experts)]
        start = (self.clock.at + timedelta(days=14)).date()
        plan = WorkshopPlan(
            module,
            f"DEMO-{module.value}-{n}",
            start,
            start + timedelta(days=4),
            "ILO training centre",
            COUNTRIES[n % 3],
            expert.user_id,
        )
        workshop = self.app.schedule_workshop(plan, HQ, self.cid(), self.clock.next(1)).state
        self.workshops.setdefault(module, []).append(workshop.workshop_id)
        return workshop.workshop_id

    def enterprise(self, n: int) -> str:
        employees = [60, 95, 140, 210, 320, 45][n % 6]  # two of six outside 50–250: warned
        details = EnterpriseDetails(
            f"Demo Works {n}",
            COUNTRIES[n % len(COUNTRIES)],
            SECTORS[n % len(SECTORS)],
            employees,
            employees // 3,
        )
        return self.app.register_enterprise(
            details, HQ, self.cid(), self.clock.next(0)
        ).state.enterprise_id

    def step(
        self, journey: JourneyState, step: JourneyStep, actor: Actor, days: int = 4
    ) -> JourneyState:
        return self.app.take_step(
            journey.journey_id, step, actor, self.cid(), self.clock.next(days)
        ).state


def _email(n: int, expert: bool = False) -> str:
    return f"{'expert' if expert else 'trainer'}{n}@demo.score.example"


def _cycle(
    demo: Demo, journey: JourneyState, candidate: Actor, n: int, upto: int = 9
) -> JourneyState:
    """A ToE cycle with one or two enterprises, stopped after `upto` steps (9: complete)."""
    enterprises = [demo.enterprise(n * 2 + k) for k in range(1 + n % 2)]
    day = demo.clock.at.date()
    steps: list[JourneyStep] = []
    for k, e in enumerate(enterprises):
        baseline = {"productivity": 100.0 + 10 * k, "defects": 9.0 - k, "absenteeism": 7.0}
        steps += [SelectEnterprise(e), RecordBaselineAssessment(e, day, baseline)]
    # Three workshops in four asked their participants how satisfied they were.
    satisfaction = None if n % 4 == 0 else 70.0 + (n * 7) % 25 + 0.5 * (n % 2)
    steps.append(DeliverClassroomWorkshop(day, 6 + n % 5, 12 + n % 7, 5 + n % 6, satisfaction))
    for k, e in enumerate(enterprises):
        latest = {
            "productivity": 115.0 + 5 * (n % 8) + 10 * k,
            "defects": 5.0 - k % 2,
            "absenteeism": 5.0 + n % 3,
        }
        steps += [RecordCoachingVisit(e, day), ReportProgress(e, latest)]
    for step in steps[: upto if upto < 9 else len(steps)]:
        journey = demo.step(journey, step, candidate)
    return journey


def _journey(demo: Demo, n: int, stage: str) -> None:
    candidate, expert = demo.person(n), demo.experts[n % len(demo.experts)]
    base, per_candidate = DAYS_AGO[stage]
    demo.clock.start(days_ago=base + per_candidate * n)
    workshop = demo.workshops[Module.WC][n % len(demo.workshops[Module.WC])]
    expert = Actor(demo.app.workshop(workshop).plan.expert_id, Role.EXPERT)
    journey = demo.enrol(candidate, workshop)
    if stage == "enrolled":
        demo.open_journeys.append(journey)
        return
    journey = demo.step(journey, RecordToTResult(attended=True, completed=True), expert, 10)
    if stage in {"toe", "overdue"}:
        journey = _cycle(demo, journey, candidate, n, upto=2 + n % 5)
        demo.open_journeys.append(journey)
        return
    if stage == "withdrawn":
        demo.step(journey, Withdraw("changed employer; may return next year"), candidate)
        return
    journey = _cycle(demo, journey, candidate, n)
    outcome: Outcome = (
        "provisional"
        if stage == "provisional"
        else ("not_recommended" if stage == "not_recommended" else "recommended")
    )
    journey = demo.step(journey, AssessCycle(outcome, "observed during visits"), expert)
    if stage in {"recommended", "provisional"}:
        demo.open_journeys.append(journey)
        return
    if stage == "not_recommended":
        return
    demo.step(journey, Certify(), HQ, 7)
    demo.certified.append(candidate.user_id)
    if stage == "certified" and n % 2 == 0:  # half of them keep their clock running
        _training_record(demo, candidate, n, days_ago=75)
    if stage == "second_module":  # trained ~9.5 months ago: their 9-month reminder is due
        _training_record(demo, candidate, n, days_ago=290)
    if stage == "delisted":
        started = demo.app.trainer(candidate.user_id).standing
        assert started is not None
        demo.app.delist_inactive_trainer(
            candidate.user_id, demo.cid(), started.clock_started_at + timedelta(days=370)
        )
    if stage == "second_module":
        quality = demo.workshops[Module.QUALITY][0]
        demo.clock.start(days_ago=120)
        second = demo.enrol(candidate, quality)
        q_expert = Actor(second.expert_id, Role.EXPERT)
        second = demo.step(second, RecordToTResult(attended=True, completed=True), q_expert)
        second = _cycle(demo, second, candidate, n + 50)
        second = demo.step(second, AssessCycle("recommended"), q_expert)
        demo.step(second, Certify(), HQ)


def _training_record(demo: Demo, trainer: Actor, n: int, days_ago: int) -> None:
    delivered = demo.clock.now - timedelta(days=days_ago)
    record = SubmitTrainingRecord(delivered.date(), "WC", 2 + n % 3, 20 + n)
    demo.app.take_standing_step(
        trainer.user_id, record, trainer, demo.cid(), delivered + timedelta(days=5)
    )


def write_history(app: Certification, now: datetime | None = None) -> Demo | None:
    """Write the demo's past; None if it was written before."""
    if app.trainer_id_for_email(_email(100, expert=True)) is not None:
        return None
    demo = Demo(app, Clock(now or datetime.now(UTC)))
    demo.experts = [demo.person(100 + k, expert=True) for k in range(3)]
    for k in range(3):
        demo.schedule(Module.WC, k)
    demo.schedule(Module.BASICS, 3)
    demo.schedule(Module.QUALITY, 4)
    n = 0
    for stage, count in STAGES.items():
        for _ in range(count):
            _journey(demo, n, stage)
            n += 1
    return demo


DEMO_PASSWORD = "demo"


def demo_logins() -> list[tuple[str, Role, str | None]]:
    """Users for the demo: username, role, and for experts and trainers their e-mail."""
    return [
        ("office", Role.HQ, None),
        ("auditor", Role.AUDITOR, None),
        *[(f"expert{k}", Role.EXPERT, f"expert{100 + k}@demo.score.example") for k in range(3)],
        ("candidate", Role.TRAINER, "trainer4@demo.score.example"),
        ("certified", Role.TRAINER, "trainer24@demo.score.example"),
    ]


def create_demo_users(accounts: Accounts, app: Certification) -> None:
    for username, role, email in demo_logins():
        holder = None if email is None else app.trainer_id_for_email(email)
        trainer_id = None if holder is None else str(holder)
        with suppress(UserExists):
            accounts.create(username, DEMO_PASSWORD, role, trainer_id)


async def hand_over_to_workflows(demo: Demo, gateway: JourneyGateway) -> None:
    """Open journeys and standings continue in Temporal from the state the history left."""
    for journey in demo.open_journeys:
        await gateway.adopt_journey(demo.app.journey(journey.journey_id))
    for trainer_id in demo.certified:
        await gateway.start_standing(trainer_id)


async def load_demo(settings: Settings, temporal_address: str) -> str:
    certification = build_certification(settings)
    try:
        demo = write_history(certification)
        if demo is None:
            return "demo data: already loaded"
        create_demo_users(build_accounts(settings, create_service_engine(settings)), certification)
        client = await connect(temporal_address, settings.temporal_namespace)
        await hand_over_to_workflows(demo, JourneyGateway.from_settings(client, settings))
    finally:
        certification.close()
    logins = ", ".join(f"{u} ({r.value})" for u, r, _ in demo_logins())
    return (
        f"demo data: {len(demo.open_journeys)} open journeys, {len(demo.certified)} certified "
        f"trainers (one delisted, three at their 9-month reminder, one journey overdue). "
        f"Log in as {logins}; password "
        f"'{DEMO_PASSWORD}'."
    )
