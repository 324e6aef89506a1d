"""A large event store, fast: one real world recorded through the application, then cloned
with fresh ids and inserted through the recorder, interleaved (docs/benchmarks.md)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import count
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain.journey.steps import JourneyStep, RecordCoachingVisit, RecordToTResult, ReportProgress
from domain.values import Module
from service.app.certification import Certification
from tests.stories import PROGRESS, Story

INTERLEAVE = 50  # worlds whose events alternate in the log
BATCH = 1000  # events per insert


@dataclass(frozen=True)
class World:
    trainer_id: str
    enterprise_id: str
    journey_id: str
    day: date  # of the world's last step: later visits are dated then
    events: list[StoredEvent]  # in log order


def record_world(app: Certification) -> World:
    """Record one world through the application, as tests tell it (tests/stories.py): an
    expert, a candidate, a workshop, an enterprise, a journey through a whole ToE cycle."""
    start = app.recorder.max_notification_id() or 0
    story = Story(app)
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    journey = story.step(journey, RecordToTResult(attended=True, completed=True), expert)
    journey = story.run_cycle(journey, candidate)
    assert journey.cycle is not None
    firm = journey.cycle.enterprises[0].enterprise_id
    events = [
        StoredEvent(UUID(str(n.originator_id)), n.originator_version, n.topic, n.state)
        for n in app.recorder.select_notifications(start=start + 1, limit=10_000)
    ]
    return World(candidate.user_id, firm, journey.journey_id, story.now.date(), events)


def visits_and_reports(firm: str, day: date) -> Iterator[JourneyStep]:
    """Coaching visits and progress reports, alternating: a ToE cycle allows any number."""
    for i in count():
        yield RecordCoachingVisit(firm, day) if i % 2 == 0 else ReportProgress(firm, PROGRESS)


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


def fill(app: Certification, events: int) -> int:
    """Grow `app`'s store by about `events` events (whole worlds); return the total."""
    world = record_world(app).events
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
