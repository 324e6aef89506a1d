"""E0: a bare eventsourcing application (own tables, same database and recorder) saving one
event the size of a step's."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from service.settings import Settings

# A step event's JSON state is ~400–700 bytes (actor, command id, step, timestamps).
PAYLOAD = "x" * 400


class Probe(Aggregate):
    @event("Created")
    def __init__(self, payload: str) -> None:
        self.payload = payload


class BareStore(Application[UUID]):
    name = "benchbare"


def bare_store(settings: Settings) -> BareStore:
    env = dict(settings.eventsourcing_env())
    env.pop("AGGREGATE_CACHE_MAXSIZE", None)  # nothing is read back
    # The library's recorder without our hash chain: the baseline costs nothing of ours.
    env["PERSISTENCE_MODULE"] = "service.storage.event_store:PrePingingFactory"
    env["CREATE_TABLE"] = "true"  # not the service's schema: the library makes its table
    return BareStore(env=env)


def bare_save(store: BareStore) -> int:
    """Save one new 1-event aggregate; return its notification id."""
    recordings = store.save(Probe(PAYLOAD))
    return recordings[-1].notification.id
