"""From events to deliveries: the dispatcher reads the event store by topic from where it
stopped, and writes one delivery per event and interested subscription, with its new position,
in one transaction (a crash repeats nothing and loses nothing). Then it sends each delivery
(service/app/webhooks/sending.py), once per attempt, always under the same webhook id."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, NamedTuple

from eventsourcing.utils import get_topic
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from domain.trainer.aggregate import Trainer
from service.app.certification import Certification
from service.app.webhooks.store import (
    DeliveryRow,
    DispatchPositionRow,
    SubscriptionRow,
    Webhooks,
    round_workflow_id,
)

DISPATCHER = "webhooks"
BATCH = 500
EVENT_TYPE_OF: dict[type, str] = {
    Trainer.CertificateIssued: "certificate.issued",
    Trainer.ModuleCertified: "module.added",
    Trainer.DelistedForInactivity: "trainer.delisted",
    Trainer.RemovedForCause: "trainer.delisted",
    Trainer.Reinstated: "trainer.reinstated",
    Trainer.CredentialStatusChanged: "credential.revoked",  # only when the status is revoked
}
TOPICS = tuple(get_topic(kind) for kind in EVENT_TYPE_OF)


def webhook_id(position: int, subscription_id: str) -> str:
    """The id the subscriber sees on every attempt: the same event, the same id."""
    return f"msg_{position}_{subscription_id.replace('-', '')}"


def collect(app: Certification, webhooks: Webhooks) -> int:
    """Record the deliveries of events stored since the last call; returns how many."""
    with Session(webhooks.engine) as session, session.begin():
        row = session.get(DispatchPositionRow, DISPATCHER, with_for_update=True)
        if row is None:
            row = DispatchPositionRow(name=DISPATCHER, position=0)
            session.add(row)
        found = app.recorder.select_notifications(
            start=row.position + 1, limit=BATCH, topics=TOPICS
        )
        subscriptions = session.scalars(select(SubscriptionRow).where(SubscriptionRow.active))
        wanted = [(s.subscription_id, set(s.events.split(","))) for s in subscriptions]
        made = 0
        for notification in found:
            row.position = notification.id
            if not wanted:
                continue  # nobody to tell: a subscription hears of events after it was made
            described = _describe(app, app.mapper.to_domain_event(notification))
            if described is not None:
                kind, payload = described
                for subscription_id, events in wanted:
                    if kind in events:
                        session.add(_delivery(notification.id, subscription_id, kind, payload))
                        made += 1
    return made


class Round(NamedTuple):
    """A delivery's round of attempts: its webhook id and the office's redeliveries before it
    (0: the first round)."""

    webhook_id: str
    number: int

    @property
    def workflow_id(self) -> str:
        return round_workflow_id(self.webhook_id, self.number)


def unstarted(webhooks: Webhooks, limit: int = 100) -> list[Round]:
    """Deliveries whose current round has no workflow yet."""
    with Session(webhooks.engine) as session:
        query = (
            select(DeliveryRow.webhook_id, DeliveryRow.redeliveries)
            .where(DeliveryRow.started.is_(False))
            .order_by(DeliveryRow.position)
            .limit(limit)
        )
        return [Round(w, n) for w, n in session.execute(query).tuples()]


def mark_started(webhooks: Webhooks, webhook: str, round_number: int) -> bool:
    """Note that round `round_number` of the delivery has its workflow; False when that round
    is no longer the delivery's unstarted one (a dispatcher read it before the office
    redelivered, and another dispatcher already started it), so a later round stays to start."""
    with Session(webhooks.engine) as session, session.begin():
        marked = session.connection().execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.webhook_id == webhook,
                DeliveryRow.redeliveries == round_number,
                DeliveryRow.started.is_(False),
            )
            .values(started=True, started_at=datetime.now(UTC))
        )
    return bool(marked.rowcount)


def _delivery(position: int, subscription_id: str, kind: str, payload: str) -> DeliveryRow:
    return DeliveryRow(
        webhook_id=webhook_id(position, subscription_id),
        subscription_id=subscription_id,
        event_type=kind,
        position=position,
        payload=payload,
        created_at=datetime.now(UTC),
        started=False,
        delivered_at=None,
    )


def _describe(app: Certification, event: object) -> tuple[str, str] | None:
    """The webhook event type and its JSON body; None for an event no webhook announces."""
    if not isinstance(event, Trainer.Event):
        return None
    kind = EVENT_TYPE_OF.get(type(event))
    if kind is None:
        return None
    if isinstance(event, Trainer.CredentialStatusChanged) and event.status != "revoked":
        return None
    state = app.trainer(event.originator_id, version=event.originator_version)
    data: dict[str, Any] = {
        "certificate_number": state.certificate_number,
        "name": state.name,
        "country": state.country,
        "modules": [m.value for m in state.certified_modules],
        "listed": state.listed,
    }
    match event:
        case Trainer.ModuleCertified():
            data["module"] = event.module
        case Trainer.DelistedForInactivity():
            data["reason_category"] = "inactivity"
        case Trainer.RemovedForCause():
            data["reason_category"] = "removed_for_cause"
        case Trainer.CredentialStatusChanged():
            data["credential_id"] = event.credential_id
            # A listed holder's credential is revoked only when the office reissues it.
            data["reason_category"] = "reissued" if state.listed else "removed_for_cause"
    body = {"type": kind, "timestamp": event.timestamp.isoformat(), "data": data}
    return kind, json.dumps(body, sort_keys=True)
