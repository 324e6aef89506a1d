"""Events as an earlier release stored them: text that today's validation would refuse.

They are written with the aggregates' low-level `_create`, which skips the checks that
`register` makes, and saved through the application (so the audit chain links them as it
did then). That is how the projector meets them: already in the store, never to be edited.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain import ids
from domain.enterprise import Enterprise
from domain.recorded import created_fields
from domain.trainer.aggregate import Trainer
from domain.values import Actor
from service.app.certification import Certification
from tests.stories import new_id


def enterprise_stored_earlier(
    app: Certification, name: str, country: str, actor: Actor, at: datetime
) -> str:
    enterprise_id = ids.enterprise_id(country, name)
    enterprise = Enterprise._create(
        Enterprise.Registered,
        id=enterprise_id,
        name=name,
        country=country,
        sector="metal works",
        employees=120,
        women_employees=30,
        size_warning=None,
        **created_fields(actor, new_id(), at),
    )
    app.save(enterprise)
    return str(enterprise_id)


def trainer_stored_earlier(
    app: Certification, name: str, country: str, actor: Actor, at: datetime
) -> str:
    email = f"poison-{new_id()[:10]}@example.org"
    trainer_id = ids.legacy_trainer_id(email)
    trainer = Trainer._create(
        Trainer.Registered,
        id=trainer_id,
        name=name,
        email=email,
        country=country,
        is_expert=False,
        **created_fields(actor, new_id(), at),
    )
    app.save(trainer)
    return str(trainer_id)


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
