"""Enterprise names for the words of a journey's next action ("coaching visit to Acme Tools").

A name is given at registration, and the office may correct it later: the name learnt from
the log (the latest one) serves until corrected, or the one read once from the event store when
the registration came before this projector started; a rebuild writes the same words as the
live projector.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from cachetools import LRUCache
from eventsourcing.application import AggregateNotFoundError

from domain.enterprise import Enterprise
from domain.journey.state import JourneyState
from projections.states import Loader

KEPT = 100_000  # names kept in memory (~100 bytes each)


class EnterpriseNames:
    def __init__(self, load: Loader[Any], kept: int = KEPT) -> None:
        self._load = load
        self._names: LRUCache[str, str] = LRUCache(kept)

    def learn(self, event: object) -> None:
        if isinstance(event, Enterprise.Registered | Enterprise.DetailsEdited):
            self._names[str(event.originator_id)] = event.name

    def in_cycle_of(self, journey: JourneyState) -> dict[str, str]:
        cycle = journey.cycle
        if cycle is None:
            return {}
        return {e.enterprise_id: self._name(e.enterprise_id) for e in cycle.enterprises}

    def _name(self, enterprise_id: str) -> str:
        name = self._names.get(enterprise_id)
        if name is None:
            try:
                registered = self._load(UUID(enterprise_id), 1).state
            except AggregateNotFoundError:  # not an enterprise of this store: keep its id
                return enterprise_id
            name = str(registered.details.name)
            self._names[enterprise_id] = name
        return name
