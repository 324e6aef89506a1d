"""Every event of a trainer, a journey or the whole store, in order, straight from the store.

An entry says where the event is in the store (its position, the notification id), which
aggregate and version it belongs to, its type, when the step happened, who took it in which
role, under which command id, and what it recorded (the payload). Entries are read a page at
a time by position, so a history of any length streams in constant memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from itertools import islice
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic
from sqlalchemy import select

from domain.certificates import CertificateRegistry
from domain.enterprise import Enterprise
from domain.errors import InvalidInput, NotFound
from domain.journey.aggregate import Journey
from domain.recorded import RecordedAggregate
from domain.trainer.aggregate import Trainer
from domain.workshop import ToTWorkshop
from service.app.audit.moments import parse_moment
from service.app.certification import Certification
from service.storage.chain import chain_of

PAGE = 500  # rows read from the store per query
MAX_PAGE_SIZE = 1000
AGGREGATES = (Trainer, Journey, ToTWorkshop, Enterprise, CertificateRegistry)
# What every event carries besides its payload (see domain/recorded.py).
ENVELOPE = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "actor_id",
        "actor_role",
        "command_id",
    }
)


@dataclass(frozen=True)
class HistoryEntry:
    position: int  # the notification id: the order in which the store recorded events
    aggregate_type: str  # Trainer, Journey, ToTWorkshop, Enterprise, CertificateRegistry
    aggregate_id: str
    version: int
    type: str  # e.g. Journey.CycleAssessed
    timestamp: datetime | None  # when the step happened; None: the stored event is unreadable
    actor_id: str
    actor_role: str
    command_id: str
    payload: dict[str, Any]  # JSON-ready: dates and times in ISO 8601, ids as strings

    def as_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "aggregate_type": self.aggregate_type,
            "aggregate_id": self.aggregate_id,
            "version": self.version,
            "type": self.type,
            "timestamp": None if self.timestamp is None else iso(self.timestamp),
            "actor_id": self.actor_id,
            "actor_role": self.actor_role,
            "command_id": self.command_id,
            "payload": self.payload,
        }


@dataclass(frozen=True)
class HistoryFilter:
    """Which events to include: a time range (inclusive) and event types (all if empty)."""

    since: datetime | None = None
    until: datetime | None = None
    types: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        unknown = sorted(self.types - EVENT_TOPICS.keys())
        if unknown:
            raise InvalidInput(
                f"Unknown event type {', '.join(unknown)}; known types: "
                f"{', '.join(sorted(EVENT_TOPICS))}."
            )
        if self.since and self.until and self.since > self.until:
            raise InvalidInput("The time range is empty: 'since' is after 'until'.")

    @classmethod
    def from_text(
        cls, since: str | None, until: str | None, types: Iterable[str] | None
    ) -> HistoryFilter:
        """From an auditor's words: a date `since` is its start, a date `until` its end."""
        return cls(
            since=parse_moment(since, end_of_day=False) if since else None,
            until=parse_moment(until, end_of_day=True) if until else None,
            types=frozenset(types or ()),
        )

    @property
    def topics(self) -> list[str]:
        return [EVENT_TOPICS[name] for name in sorted(self.types)]

    def admits(self, entry: HistoryEntry) -> bool:
        if entry.timestamp is None:
            return True  # unreadable: it cannot be placed in time, and must not be hidden
        if self.since is not None and entry.timestamp < self.since:
            return False
        return self.until is None or entry.timestamp <= self.until


@dataclass(frozen=True)
class HistoryPage:
    entries: tuple[HistoryEntry, ...]
    next_after: int | None  # give it as `after` for the next page; None: this is the last


def _event_topics() -> dict[str, str]:
    """Every event type the domain records, by name (e.g. Journey.Certified), with its topic."""
    found = {}
    for aggregate in AGGREGATES:
        for member in vars(aggregate).values():
            if isinstance(member, type) and issubclass(member, RecordedAggregate.Event):
                found[member.__qualname__] = get_topic(member)
    return found


EVENT_TOPICS = _event_topics()


def entries(
    app: Certification,
    aggregate_ids: Sequence[UUID] | None = None,
    only: HistoryFilter | None = None,
    after: int = 0,
) -> Iterator[HistoryEntry]:
    """The events of `aggregate_ids` (every aggregate if None) after position `after`, in order."""
    only = only or HistoryFilter()
    for notification in _notifications(app, aggregate_ids, only.topics, after):
        entry = to_entry(app, notification)
        if only.admits(entry):
            yield entry


def page_of(
    app: Certification,
    aggregate_ids: Sequence[UUID] | None,
    only: HistoryFilter,
    after: int = 0,
    limit: int = 100,
) -> HistoryPage:
    """One page of `entries`; `next_after` says where the next one starts."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(f"A page holds 1 to {MAX_PAGE_SIZE} events, not {limit}.")
    found = list(islice(entries(app, aggregate_ids, only, after), limit + 1))
    more = len(found) > limit
    kept = tuple(found[:limit])
    return HistoryPage(kept, kept[-1].position if more else None)


def trainer_aggregates(app: Certification, trainer_id: str) -> list[UUID]:
    """The person's records and every journey each ever opened (closed ones too).

    Records of one person merged into one are one person's history: the record named, the
    record it was merged into, and every record merged into that one.
    """
    named = trainer_record(app, trainer_id)
    found: list[UUID] = []
    for record in _records_of_person(app, named):
        events = list(app.events.get(record))
        found.append(record)
        found.extend(UUID(e.journey_id) for e in events if isinstance(e, Trainer.JourneyOpened))
    return found


def _records_of_person(app: Certification, named: UUID) -> list[UUID]:
    person = UUID(app.trainer(named).trainer_id)  # the application follows the merges
    records, frontier = [person], [person]
    while frontier:
        absorbed = [
            UUID(event.merged_id)
            for record in frontier
            for event in app.events.get(record)
            if isinstance(event, Trainer.Absorbed)
        ]
        frontier = [r for r in absorbed if r not in records]
        records.extend(frontier)
    return records


def trainer_record(app: Certification, trainer_id: str) -> UUID:
    """The very record `trainer_id` names (NotFound if it names no trainer), merges aside."""
    return _existing(app, trainer_id, Trainer, "trainer")


def journey_aggregates(app: Certification, journey_id: str) -> list[UUID]:
    return [_existing(app, journey_id, Journey, "journey")]


def _existing(app: Certification, aggregate_id: str, kind: type, what: str) -> UUID:
    try:
        uuid = UUID(aggregate_id)
    except ValueError:
        raise NotFound(f"No {what} with id {aggregate_id}.") from None
    first = list(app.events.get(uuid, lte=1))
    if not first or type(first[0]).__qualname__.partition(".")[0] != kind.__name__:
        raise NotFound(f"No {what} with id {aggregate_id}.")
    return uuid


def to_entry(app: Certification, notification: Notification) -> HistoryEntry:
    try:
        return _readable(notification, vars(app.mapper.to_domain_event(notification)))
    except Exception as error:  # whatever an altered row does to the decoder
        return _unreadable(notification, error)


def _readable(notification: Notification, fields: dict[str, Any]) -> HistoryEntry:
    kind = notification.topic.rpartition(":")[2]  # e.g. Journey.CycleAssessed
    return HistoryEntry(
        position=notification.id,
        aggregate_type=kind.partition(".")[0],
        aggregate_id=str(notification.originator_id),
        version=notification.originator_version,
        type=kind,
        timestamp=fields["timestamp"],
        actor_id=fields.get("actor_id", ""),
        actor_role=fields.get("actor_role", ""),
        command_id=fields.get("command_id", ""),
        payload={k: plain(v) for k, v in fields.items() if k not in ENVELOPE},
    )


def _unreadable(notification: Notification, error: Exception) -> HistoryEntry:
    """A stored event that no longer decodes (altered in the database?): shown, not hidden."""
    kind = notification.topic.rpartition(":")[2]
    return HistoryEntry(
        position=notification.id,
        aggregate_type=kind.partition(".")[0],
        aggregate_id=str(notification.originator_id),
        version=notification.originator_version,
        type=kind,
        timestamp=None,
        actor_id="",
        actor_role="",
        command_id="",
        payload={"unreadable": f"{type(error).__name__}: {error}"},
    )


def iso(moment: datetime | date) -> str:
    """ISO 8601, UTC written as Z: the same text the JSON API gives (pydantic's form)."""
    text = moment.isoformat()
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


def plain(value: Any) -> Any:
    """A JSON-ready copy of a payload value."""
    if isinstance(value, datetime | date):
        return iso(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return value


def _notifications(
    app: Certification, aggregate_ids: Sequence[UUID] | None, topics: Iterable[str], after: int
) -> Iterator[Notification]:
    """Stored events in position order, read `PAGE` rows at a time (keyset on the position)."""
    chain = chain_of(app)  # the events table and its engine
    e = chain.events.c
    query = select(e.id, e.originator_id, e.originator_version, e.topic, e.state)
    if aggregate_ids is not None:
        query = query.where(e.originator_id.in_(list(aggregate_ids)))
    if wanted := list(topics):
        query = query.where(e.topic.in_(wanted))
    query = query.order_by(e.id).limit(PAGE)
    while True:
        with chain.engine.connect() as conn:
            rows = conn.execute(query.where(e.id > after)).all()
        for row in rows:
            yield Notification(
                id=row.id,
                originator_id=row.originator_id,
                originator_version=row.originator_version,
                topic=row.topic,
                state=bytes(row.state),
            )
        if len(rows) < PAGE:
            return
        after = rows[-1].id
