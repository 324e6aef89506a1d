"""The domain state of journeys and trainers as the projector walks the notification log.

Rows such as a journey's next action are functions of the aggregate's state. Rather than
re-implement the rules, the projector lets each event evolve the state with the domain's own
code (`event.apply_to`, which the aggregates use too) and keeps the result in memory. When a
state is not in memory (after a restart, or evicted), it is read from the event store at the
version just before the event, so rows never depend on what happened to be cached; the
replay reads the store as the projector does (`stored.StoredEvents`: text cleaned) and leaves
out the recorded skips, so it gives the very state the log walk gives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar, cast
from uuid import UUID

from cachetools import LRUCache
from eventsourcing.domain import CanInitAggregate

from domain.recorded import RecordedAggregate
from projections.skips import Skipped
from projections.stored import StoredEvents

S = TypeVar("S")


class ProjectionOutOfStep(RuntimeError):
    """An event arrived that is not the next one of its aggregate: the log was misread."""


@dataclass
class Tracked(Generic[S]):
    """An aggregate's state and version, standing in for the aggregate when events apply."""

    state: S
    version: int
    created_on: datetime


Loader = Callable[[UUID, int], Tracked[S]]


def applied(
    event: RecordedAggregate.Event, tracked: Tracked[S] | None, skipped: Skipped
) -> Tracked[S]:
    """`tracked` (None before the aggregate's creation) evolved by `event`, the domain's way.

    Recorded skips may leave gaps in the versions: the state and its version stay those of
    the last event applied, wherever and however the skipped one was met (so that rows do
    not depend on batches or on what was in memory).
    """
    if tracked is None:
        if not isinstance(event, CanInitAggregate):
            raise ProjectionOutOfStep(
                f"{type(event).__qualname__} v{event.originator_version} of "
                f"{event.originator_id} came before the aggregate was created."
            )
        # A new aggregate: its Created event's apply_to sets the state.
        tracked = Tracked(cast(S, None), 0, event.timestamp)
    expected = tracked.version + 1
    while expected < event.originator_version and skipped.version(event.originator_id, expected):
        expected += 1
    if event.originator_version != expected:
        raise ProjectionOutOfStep(
            f"{type(event).__qualname__} v{event.originator_version} of "
            f"{event.originator_id} follows v{tracked.version}."
        )
    event.apply_to(tracked)  # the domain's own code changes `tracked.state`
    tracked.version = event.originator_version
    return tracked


class StateCache(Generic[S]):
    """Least-recently-used states of one kind of aggregate, evolved event by event."""

    def __init__(self, load: Loader[S], skipped: Callable[[], Skipped], max_size: int) -> None:
        self._load = load
        self._skipped = skipped
        self._states: LRUCache[UUID, Tracked[S]] = LRUCache(max_size)

    def evolve(self, event: RecordedAggregate.Event) -> Tracked[S]:
        tracked = applied(event, self._before(event), self._skipped())
        self._states[event.originator_id] = tracked
        return tracked

    def clear(self) -> None:
        """Forget everything; used when a batch was rolled back, so memory matches the rows."""
        self._states.clear()

    def _before(self, event: RecordedAggregate.Event) -> Tracked[S] | None:
        if isinstance(event, CanInitAggregate):
            return None
        tracked = self._states.get(event.originator_id)
        if tracked is None:
            tracked = self._load(event.originator_id, event.originator_version - 1)
        return tracked


def loader_from(events: StoredEvents, skipped: Callable[[], Skipped]) -> Loader[Any]:
    """Replay an aggregate's state up to a version from the store (a cache miss), as the
    projector would have evolved it: text cleaned, recorded skips left out."""

    def load(aggregate_id: UUID, version: int) -> Tracked[Any]:
        left_out = skipped()
        tracked: Tracked[Any] | None = None
        for stored in events.history(aggregate_id, version):
            if not left_out.version(stored.originator_id, stored.originator_version):
                tracked = applied(events.decode(stored), tracked, left_out)
        if tracked is None:  # only skipped events so far: nothing to evolve
            raise ProjectionOutOfStep(f"Every event of {aggregate_id} up to v{version} is skipped.")
        return tracked

    return load
