"""A large event store, fast: one real world recorded through the application, then cloned
with fresh ids and inserted through the recorder, interleaved (docs/benchmarks.md)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain.enterprise import EnterpriseDetails
from domain.journey.steps import (
    DeliverClassroomWorkshop,
    JourneyStep,
    RecordBaselineAssessment,
    RecordCoachingVisit,
    RecordToTResult,
    ReportProgress,
    SelectEnterprise,
)
from domain.values import Actor, Module, Role
from domain.workshop import WorkshopPlan
from service.app.certification import Certification

HQ = Actor("bench-office", Role.HQ)
START = datetime(2026, 1, 5, 9, tzinfo=UTC)  # a world's first event
STEP_DATE = START.date()  # visits and workshops: on the day, never after the step
INTERLEAVE = 50  # worlds whose events alternate in the log
BATCH = 1000  # events per insert


def _id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class World:
    trainer_id: str
    expert_id: str
    enterprise_id: str
    journey_id: str
    events: list[StoredEvent]  # in log order


def trainer(app: Certification, at: datetime, *, expert: bool = False) -> str:
    """A candidate (or an expert) registered by the office; their trainer id."""
    email = f"t-{_id()[:12]}@example.org"
    registered = app.register_trainer("T", email, "IN", HQ, _id(), at, is_expert=expert)
    return registered.state.trainer_id


def workshop(app: Certification, expert_id: str, at: datetime) -> str:
    """A ToT workshop, over before `at`, led by the expert; its id."""
    ran = at.date() - timedelta(days=5)
    plan = WorkshopPlan(
        Module.WC, f"W-{_id()[:10]}", ran, ran + timedelta(days=4), "Pune", "IN", expert_id
    )
    return app.schedule_workshop(plan, HQ, _id(), at).state.workshop_id


def enterprise(app: Certification, at: datetime) -> str:
    details = EnterpriseDetails(f"Firm {_id()[:10]}", "IN", "auto", 120, 30)
    return app.register_enterprise(details, HQ, _id(), at).state.enterprise_id


def record_world(app: Certification, extra_steps: int = 4) -> World:
    """Record one world through the application: people, workshop, firm, journey."""
    start = app.recorder.max_notification_id() or 0
    at = START

    def later() -> datetime:
        nonlocal at
        at += timedelta(hours=1)
        return at

    expert = trainer(app, later(), expert=True)
    candidate = trainer(app, later())
    held = workshop(app, expert, later())
    firm = enterprise(app, later())
    journey = app.enrol(candidate, held, HQ, _id(), later()).state.journey_id
    me, them = Actor(candidate, Role.TRAINER), Actor(expert, Role.EXPERT)
    for step, actor in world_steps(firm, me, them, extra_steps):
        app.take_step(journey, step, actor, _id(), later())
    events = list(app.recorder.select_notifications(start=start + 1, limit=10_000))
    return World(candidate, expert, firm, journey, _as_stored(events))


def world_steps(firm: str, me: Actor, expert: Actor, extra: int) -> list[tuple[JourneyStep, Actor]]:
    today = STEP_DATE
    indicators = {"productivity": 100.0, "defects": 8.0}
    steps: list[tuple[JourneyStep, Actor]] = [
        (RecordToTResult(attended=True, completed=True), expert),
        (SelectEnterprise(firm), me),
        (RecordBaselineAssessment(firm, today, indicators), me),
        (DeliverClassroomWorkshop(today, 6, 14, 9), me),
    ]
    for i in range(extra):
        step = RecordCoachingVisit(firm, today) if i % 2 == 0 else ReportProgress(firm, indicators)
        steps.append((step, me))
    return steps


def clone(world: list[StoredEvent]) -> list[StoredEvent]:
    """The same world with every aggregate id replaced by a fresh one, in states too."""
    ids = {e.originator_id for e in world}
    fresh = {old: uuid.uuid4() for old in ids}
    swaps = [(str(old).encode(), str(new).encode()) for old, new in fresh.items()]
    cloned = []
    for e in world:
        state = e.state
        for old, new in swaps:
            state = state.replace(old, new)
        cloned.append(StoredEvent(fresh[e.originator_id], e.originator_version, e.topic, state))
    return cloned


def interleaved(world: list[StoredEvent], worlds: int) -> Iterator[StoredEvent]:
    """Clones of `world`, `INTERLEAVE` at a time alternating event by event."""
    made = 0
    while made < worlds:
        group = [clone(world) for _ in range(min(INTERLEAVE, worlds - made))]
        made += len(group)
        for position in range(len(world)):
            for events in group:
                yield events[position]


def fill(app: Certification, events: int, extra_steps: int = 4) -> int:
    """Grow `app`'s store by about `events` events (whole worlds); return the total."""
    world = record_world(app, extra_steps).events
    worlds = max(0, events - len(world)) // len(world)
    batch: list[StoredEvent] = []
    for stored in interleaved(world, worlds):
        batch.append(stored)
        if len(batch) == BATCH:
            app.recorder.insert_events(batch)
            batch = []
    if batch:
        app.recorder.insert_events(batch)
    return app.recorder.max_notification_id() or 0


def _as_stored(notifications: Sequence[StoredEvent]) -> list[StoredEvent]:
    return [
        StoredEvent(_uuid(n.originator_id), n.originator_version, n.topic, n.state)
        for n in notifications
    ]


def _uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
