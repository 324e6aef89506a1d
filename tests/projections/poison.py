"""Events as an earlier release stored them: text that today's validation would refuse.

They are written with the aggregates' low-level `_create`, which skips the checks that
`register` makes, and saved through the application (so the audit chain links them as it
did then). That is how the projector meets them: already in the store, never to be edited.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain import ids
from domain.enterprise import Enterprise
from domain.recorded import RecordedAggregate, created_fields
from domain.trainer.aggregate import Trainer
from domain.values import Actor
from service.app.certification import Certification
from service.storage.personal import seal
from tests.stories import new_id


def enterprise_stored_earlier(
    app: Certification, name: str, country: str, actor: Actor, at: datetime
) -> str:
    """An enterprise registered by release v0.1.0: its country free text (class version 1)."""
    enterprise_id = ids.enterprise_id(country, name)
    fields = {"name": name, "country": country, "sector": "metal works", "employees": 120}
    fields |= {"women_employees": 30, "size_warning": None}
    stored_as_v1(app, enterprise_id, Enterprise, Enterprise.Registered, actor, at, fields)
    return str(enterprise_id)


def trainer_stored_earlier(
    app: Certification, name: str, country: str, actor: Actor, at: datetime
) -> str:
    """A trainer registered by release v0.1.0: their country free text (class version 1)."""
    email = f"poison-{new_id()[:10]}@example.org"
    trainer_id = ids.legacy_trainer_id(email)
    fields = {"name": name, "email": email, "country": country, "is_expert": False}
    stored_as_v1(app, trainer_id, Trainer, Trainer.Registered, actor, at, fields)
    return str(trainer_id)


def trainer_sealed_earlier(
    app: Certification, name: str, country: str, actor: Actor, at: datetime
) -> str:
    """A trainer registered by a release that sealed names but did not clean them: the
    stored state is plain ASCII (the name is base64), the opened name holds what it held."""
    email = f"poison-{new_id()[:10]}@example.org"
    trainer_id = ids.legacy_trainer_id(email)
    key = app.personal_data.keys.create(str(trainer_id))
    name, email = (seal(key, str(trainer_id), text) for text in (name, email))
    fields = {"name": name, "email": email, "country": country, "is_expert": False}
    stored_as_v1(app, trainer_id, Trainer, Trainer.Registered, actor, at, fields)
    return str(trainer_id)


def stored_as_v1(
    app: Certification,
    aggregate_id: UUID,
    aggregate: type[RecordedAggregate],
    created: type[RecordedAggregate.Created],
    actor: Actor,
    at: datetime,
    fields: dict[str, object],
) -> None:
    """Store an aggregate's first event in the shape v0.1.0 gave it (no class version), with
    the bytes its transcoder wrote; the recorder links it in the audit chain."""
    state = app.mapper.transcoder.encode(
        {
            **created_fields(actor, new_id(), at),
            "originator_topic": get_topic(aggregate),
            **fields,
        }
    )
    app.recorder.insert_events([StoredEvent(aggregate_id, 1, get_topic(created), state)])


NEWER_TOPIC = "domain.trainer.aggregate:Trainer.SuspendedPendingReview"
JOURNEY_OPENED = "domain.trainer.aggregate:Trainer.JourneyOpened"


def event_from_a_newer_release(
    app: Certification,
    aggregate_id: str,
    actor: Actor,
    at: datetime,
    topic: str = NEWER_TOPIC,
    **fields: object,
) -> int:
    """Store the next event of an aggregate as a newer release would during a rolling
    upgrade (by default of a type this release does not know); return its position."""
    aggregate_uuid = UUID(aggregate_id)
    version = app.recorder.select_events(aggregate_uuid, desc=True, limit=1)[0].originator_version
    state = app.mapper.transcoder.encode(
        {
            "timestamp": at,
            "actor_id": actor.user_id,
            "actor_role": actor.role.value,
            "command_id": new_id(),
            **(fields or {"review_until": "2027-01-31"}),
        }
    )
    stored = StoredEvent(aggregate_uuid, version + 1, topic, state)
    # The recorder links it in the audit chain, as it does every event it stores.
    (position,) = app.recorder.insert_events([stored]) or []
    return position
