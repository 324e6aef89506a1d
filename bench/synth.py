"""A large event store, fast: one real world recorded through the application, then cloned
with fresh ids and inserted through the recorder, interleaved (docs/benchmarks.md).

Each clone's people get keys of their own, and their personal fields are sealed again with
them (service/storage/personal.py), so that every field of the store opens as in the
service's own store, rather than reading as erased after a key look-up that finds nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import count
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import StoredEvent
from sqlalchemy import insert

from bench.rawsql import store_of
from domain.journey.steps import JourneyStep, RecordCoachingVisit, RecordToTResult, ReportProgress
from domain.values import Module
from service.app.certification import Certification
from service.storage.personal import KEY_BITS, SEALED, PersonKeyRow, SQLPersonKeys, seal
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
    seals: list[Seals]  # per event: whose key seals its personal fields, and what they say


@dataclass(frozen=True)
class Seals:
    """The sealed personal fields of one stored event, beside the text they seal."""

    person: UUID | None  # None: the event has no sealed field
    texts: tuple[tuple[bytes, str], ...] = ()  # (the sealed text as stored, the plain text)


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
    seals = [seals_of(app, e) for e in events]
    return World(candidate.user_id, firm, journey.journey_id, story.now.date(), events, seals)


def seals_of(app: Certification, stored: StoredEvent) -> Seals:
    """Which of the event's stored texts are sealed, with whose key, and what they say."""
    mapper = app.mapper
    if mapper.compressor is not None or mapper.cipher is not None:
        raise RuntimeError("The bench clones plain JSON states: turn compression and cipher off.")
    event = mapper.to_domain_event(stored)
    stored_fields = mapper.transcoder.decode(stored.state)
    texts: list[tuple[bytes, str]] = []
    for field in getattr(type(event), "personal_fields", ()):
        sealed: Any = stored_fields.get(field)
        plain: Any = getattr(event, field, None)
        pairs = zip(sealed, plain, strict=True) if isinstance(sealed, list) else [(sealed, plain)]
        texts += [(s.encode(), p) for s, p in pairs if isinstance(s, str) and s.startswith(SEALED)]
    if not texts:
        return Seals(None)
    person_field = getattr(type(event), "person_field", None)
    person = event.originator_id if person_field is None else getattr(event, person_field)
    return Seals(UUID(str(person)), tuple(texts))


def visits_and_reports(firm: str, day: date) -> Iterator[JourneyStep]:
    """Coaching visits and progress reports, alternating: a ToE cycle allows any number."""
    for i in count():
        yield RecordCoachingVisit(firm, day) if i % 2 == 0 else ReportProgress(firm, PROGRESS)


@dataclass(frozen=True)
class Clone:
    events: list[StoredEvent]
    keys: dict[str, bytes]  # a key for each person whose fields the clone seals


def clone(world: World) -> Clone:
    """The same world with every aggregate id replaced by a fresh one, in states too, and
    its personal fields sealed again with fresh keys of the fresh people."""
    ids = {e.originator_id for e in world.events}
    fresh = {old: uuid.uuid4() for old in ids}
    swaps = [(str(old).encode(), str(new).encode()) for old, new in fresh.items()]
    keys: dict[str, bytes] = {}
    cloned = []
    for e, seals in zip(world.events, world.seals, strict=True):
        state = e.state
        for old, new in swaps:
            state = state.replace(old, new)
        if seals.person is not None:
            person = str(fresh[seals.person])
            key = keys.setdefault(person, AESGCM.generate_key(KEY_BITS))
            for sealed, plain in seals.texts:
                state = state.replace(sealed, seal(key, person, plain).encode())
        cloned.append(StoredEvent(fresh[e.originator_id], e.originator_version, e.topic, state))
    return Clone(cloned, keys)


def interleaved(world: World, worlds: int) -> Iterator[Clone]:
    """Clones of `world`, `INTERLEAVE` at a time, their events alternating one by one (the
    keys of the group come with its first event)."""
    made = 0
    while made < worlds:
        group = [clone(world) for _ in range(min(INTERLEAVE, worlds - made))]
        made += len(group)
        keys = {person: key for c in group for person, key in c.keys.items()}
        for position in range(len(world.events)):
            for c in group:
                yield Clone([c.events[position]], keys)
                keys = {}


def fill(app: Certification, events: int) -> int:
    """Grow `app`'s store by about `events` events (whole worlds); return the total."""
    world = record_world(app)
    worlds = max(0, events - len(world.events)) // len(world.events)
    batch: list[StoredEvent] = []
    for part in interleaved(world, worlds):
        if part.keys:  # stored before the events they open
            store_keys(app, part.keys)
        batch += part.events
        if len(batch) == BATCH:
            app.recorder.insert_events(batch)
            batch = []
    if batch:
        app.recorder.insert_events(batch)
    return app.recorder.max_notification_id() or 0


def store_keys(app: Certification, keys: dict[str, bytes]) -> None:
    """The clones' keys, in one INSERT."""
    if not isinstance(app.personal_data.keys, SQLPersonKeys):
        raise TypeError("The bench fills SQL stores only.")
    engine, _ = store_of(app)  # the keys live beside the events
    now = datetime.now(UTC)
    rows = [{"person_id": p, "key": k, "created_at": now} for p, k in keys.items()]
    with engine.begin() as conn:
        conn.execute(insert(PersonKeyRow), rows)
