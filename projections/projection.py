"""From domain events to row changes, for every read model at once.

Each event is handled in two ways. Journey and trainer events evolve the aggregate's state
(see `states`), and the rows that describe the aggregate as a whole are derived from its
final state once per batch. Rows that belong to a single step (an indicator measured, a
reminder sent, a registration) are written as the event is handled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from domain.journey.aggregate import Journey
from domain.journey.state import JourneyState
from domain.trainer.aggregate import Trainer
from domain.trainer.state import TrainerState
from projections.journeys import journey_row, record_journey_facts
from projections.names import EnterpriseNames
from projections.registrations import record_registration
from projections.skips import Skipped
from projections.states import Loader, StateCache, Tracked
from projections.stored import DomainEvent
from projections.tables import ReadModelTables
from projections.trainers import put_public_listing, record_trainer_facts, trainer_row
from projections.writes import Changes

__all__ = ["Batch", "DomainEvent", "ReadModelProjection"]


@dataclass
class Batch:
    """The changes one transaction will write, and the aggregates the batch touched."""

    changes: Changes = field(default_factory=Changes)
    journeys: dict[UUID, Tracked[JourneyState]] = field(default_factory=dict)
    trainers: dict[UUID, Tracked[TrainerState]] = field(default_factory=dict)


class ReadModelProjection:
    def __init__(
        self,
        tables: ReadModelTables,
        load: Loader[Any],
        skipped: Callable[[], Skipped],
        cache_size: int,
    ) -> None:
        self.tables = tables
        self._journeys = StateCache[JourneyState](load, skipped, cache_size)
        self._trainers = StateCache[TrainerState](load, skipped, cache_size)
        self._enterprise_names = EnterpriseNames(load)

    def apply(self, event: DomainEvent, batch: Batch) -> None:
        t, changes = self.tables, batch.changes
        if isinstance(event, Journey.Event):
            journey = self._journeys.evolve(event)
            batch.journeys[event.originator_id] = journey
            record_journey_facts(event, journey.state, t, changes)
        elif isinstance(event, Trainer.Event):
            trainer = self._trainers.evolve(event)
            batch.trainers[event.originator_id] = trainer
            record_trainer_facts(event, trainer.state, t, changes)
        else:
            record_registration(event, t, changes)
            self._enterprise_names.learn(event)

    def finish(self, batch: Batch) -> Changes:
        """Add the rows derived from each touched aggregate's final state in the batch."""
        t, changes = self.tables, batch.changes
        for journey in batch.journeys.values():
            names = self._enterprise_names.in_cycle_of(journey.state)
            changes.put(t.journeys, journey_row(journey, names))
        for trainer in batch.trainers.values():
            changes.put(t.trainers, trainer_row(trainer))
            put_public_listing(trainer.state, t, changes)
        return changes

    def forget(self) -> None:
        """Drop the states in memory: after a rollback they are ahead of the rows."""
        self._journeys.clear()
        self._trainers.clear()
