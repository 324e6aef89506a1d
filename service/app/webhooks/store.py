"""The webhook tables: subscriptions (managed by the office), deliveries (one per event and
subscription, under one webhook id however often it is sent) and every attempt."""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Engine,
    Integer,
    String,
    Text,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from domain.errors import DomainError, NotFound
from service.app.webhooks.destinations import check_subscription_url
from service.storage.database import ServiceTables

EVENT_TYPES: tuple[str, ...] = (
    "certificate.issued",
    "module.added",
    "trainer.delisted",
    "trainer.reinstated",
    "credential.revoked",
)
POSITION_BIGINT = BigInteger().with_variant(Integer(), "sqlite")
# A round of attempts (one WebhookDelivery workflow) retries for this long, then gives up
# (workflows/webhooks.py); the grace covers the dispatcher's start and a last attempt.
DELIVERY_PERIOD = timedelta(days=3)
GRACE = timedelta(minutes=5)
REFUSED = "refused: "
# A subscription's id is uuid5(SUBSCRIPTIONS, the command id that made it).
SUBSCRIPTIONS = uuid.UUID(
    "6f3c1d2e-8b4a-5c7d-9e0f-1a2b3c4d5e6f"
)  # how sending.py records an attempt to a destination that is not public


class SubscriptionRow(ServiceTables):
    __tablename__ = "svc_webhook_subscriptions"

    subscription_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(Text)  # whsec_<base64>, per Standard Webhooks
    events: Mapped[str] = mapped_column(Text)  # comma-separated event types
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DeliveryRow(ServiceTables):
    __tablename__ = "svc_webhook_deliveries"

    webhook_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(String(36), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(POSITION_BIGINT)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started: Mapped[bool] = mapped_column(Boolean, default=False)  # its workflow is running
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The current round: when its workflow was started (None: not yet, or stored before
    # 0011), the office's redeliveries so far, and the attempts of the rounds before it.
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    redeliveries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    attempts_before: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AttemptRow(ServiceTables):
    __tablename__ = "svc_webhook_attempts"

    webhook_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    attempt: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class DispatchPositionRow(ServiceTables):
    """How far the dispatcher has read the event store (one row)."""

    __tablename__ = "svc_webhook_dispatch"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(POSITION_BIGINT)


@dataclass(frozen=True)
class Subscription:
    subscription_id: str
    url: str
    events: tuple[str, ...]
    created_at: datetime
    active: bool


@dataclass(frozen=True)
class NewSubscription(Subscription):
    secret: str  # shown once, at creation: the subscriber verifies signatures with it


@dataclass(frozen=True)
class Attempt:
    attempt: int
    attempted_at: datetime
    status_code: int | None
    error: str | None


@dataclass(frozen=True)
class Delivery:
    webhook_id: str
    subscription_id: str
    event_type: str
    created_at: datetime
    delivered_at: datetime | None
    attempts: tuple[Attempt, ...]
    redeliveries: int = 0  # rounds the office asked for after the first
    gave_up: bool = False  # undelivered, and its round retries no more: redeliverable


REDELIVERY = "-redelivery-"


def round_workflow_id(webhook_id: str, redeliveries: int) -> str:
    """The workflow of a delivery's round: the first is `webhook-<id>` (as before 0011), the
    office's redeliveries `webhook-<id>-redelivery-<n>`; each round started once."""
    first = f"webhook-{webhook_id}"
    return first if redeliveries == 0 else f"{first}{REDELIVERY}{redeliveries}"


def round_of(workflow_id: str) -> int:
    """The round a workflow id of `round_workflow_id` names: its n, or 0 for the first."""
    _, marked, number = workflow_id.rpartition(REDELIVERY)
    return int(number) if marked and number.isdigit() else 0


def gave_up(row: DeliveryRow, attempts: tuple[Attempt, ...], now: datetime) -> bool:
    """Undelivered, and its round will try no more: its last attempt was refused for good (a
    destination that is not public), or the round's retry period is over."""
    if row.delivered_at is not None or not row.started:
        return False
    last = attempts[-1] if attempts else None
    if last is not None and (last.error or "").startswith(REFUSED):
        return True
    began = _utc(row.started_at or row.created_at)
    return now >= began + DELIVERY_PERIOD + GRACE


def _utc(moment: datetime) -> datetime:
    """SQLite gives back the stored UTC time without its zone: give it back."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _subscription(row: SubscriptionRow) -> Subscription:
    events = tuple(e for e in row.events.split(",") if e)
    return Subscription(row.subscription_id, row.url, events, _utc(row.created_at), row.active)


class Webhooks:
    def __init__(self, engine: Engine, allow_private: bool = False) -> None:
        self.engine = engine
        # Deliveries to http and to private addresses (a local receiver): development only.
        self.allow_private = allow_private

    def subscribe(
        self, url: str, events: tuple[str, ...], by: str, command_id: str | None = None
    ) -> NewSubscription:
        """Subscribe `url` to `events`. The subscription's id derives from `command_id`, so a
        command sent twice (a double click, a retry) makes one subscription and is answered
        with it, secret included (no command id: a new subscription each time). Raises
        InvalidInput for a URL deliveries may not go to (destinations.py)."""
        check_subscription_url(url, self.allow_private)
        subscription_id = str(
            uuid.uuid4() if command_id is None else uuid.uuid5(SUBSCRIPTIONS, command_id)
        )
        if (made := self._made(subscription_id)) is not None:
            return made
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
        row = SubscriptionRow(
            subscription_id=subscription_id,
            url=url,
            secret=secret,
            events=",".join(events),
            created_at=datetime.now(UTC),
            created_by=by,
            active=True,
        )
        try:
            with Session(self.engine) as session, session.begin():
                session.add(row)
                found = _subscription(row)
        except IntegrityError:  # the same command, sent twice at once: the first one's
            if (made := self._made(subscription_id)) is None:
                raise
            return made
        return NewSubscription(**found.__dict__, secret=secret)

    def _made(self, subscription_id: str) -> NewSubscription | None:
        with Session(self.engine) as session:
            row = session.get(SubscriptionRow, subscription_id)
            if row is None:
                return None
            return NewSubscription(**_subscription(row).__dict__, secret=row.secret)

    def subscriptions(self) -> list[Subscription]:
        with Session(self.engine) as session:
            rows = session.scalars(select(SubscriptionRow).order_by(SubscriptionRow.created_at))
            return [_subscription(row) for row in rows]

    def deactivate(self, subscription_id: str) -> Subscription:
        """No new deliveries; those already owed are still delivered."""
        with Session(self.engine) as session, session.begin():
            row = session.get(SubscriptionRow, subscription_id)
            if row is None:
                raise NotFound(f"No webhook subscription {subscription_id}.")
            row.active = False
            return _subscription(row)

    def secret_of(self, subscription_id: str) -> tuple[str, str]:
        """The subscription's URL and secret, for a delivery."""
        with Session(self.engine) as session:
            row = session.get(SubscriptionRow, subscription_id)
            if row is None:
                raise NotFound(f"No webhook subscription {subscription_id}.")
            return row.url, row.secret

    def deliveries(self, subscription_id: str, limit: int = 100) -> list[Delivery]:
        """The latest deliveries of a subscription, each with every attempt."""
        with Session(self.engine) as session:
            if session.get(SubscriptionRow, subscription_id) is None:
                raise NotFound(f"No webhook subscription {subscription_id}.")
            rows = session.scalars(
                select(DeliveryRow)
                .where(DeliveryRow.subscription_id == subscription_id)
                .order_by(DeliveryRow.position.desc())
                .limit(limit)
            ).all()
            return [self._delivery(session, row) for row in rows]

    def failed(self, now: datetime | None = None, limit: int = 100) -> list[Delivery]:
        """Deliveries that gave up undelivered (every active subscription's, newest first):
        the office may redeliver each. A deactivated subscription's are left out: nothing is
        sent to it again."""
        moment = now or datetime.now(UTC)
        with Session(self.engine) as session:
            rows = session.scalars(
                select(DeliveryRow)
                .join(
                    SubscriptionRow, SubscriptionRow.subscription_id == DeliveryRow.subscription_id
                )
                .where(
                    DeliveryRow.delivered_at.is_(None),
                    DeliveryRow.started.is_(True),
                    SubscriptionRow.active,
                )
                .order_by(DeliveryRow.position.desc())
            )
            found = (self._delivery(session, row, moment) for row in rows)
            return [d for d in found if d.gave_up][:limit]

    def redeliver(self, webhook_id: str, now: datetime | None = None) -> Delivery:
        """A new round of attempts for a delivery that gave up, under the same webhook id (the
        dispatcher starts its workflow). NotFound; DeliveryNotRedeliverable while it is
        delivered, its round still retries, its subscription is deactivated, or another
        redelivery of the same round came first."""
        moment = now or datetime.now(UTC)
        seen = self.redeliverable(webhook_id, moment)
        with Session(self.engine) as session, session.begin():
            # Only from the round that was seen giving up: of two redeliveries at once (two
            # office workers, on PostgreSQL or SQLite alike), the second changes no row.
            moved = session.connection().execute(
                update(DeliveryRow)
                .where(
                    DeliveryRow.webhook_id == webhook_id,
                    DeliveryRow.redeliveries == seen.redeliveries,
                    DeliveryRow.started.is_(True),
                    DeliveryRow.delivered_at.is_(None),
                )
                .values(
                    attempts_before=max((a.attempt for a in seen.attempts), default=0),
                    redeliveries=seen.redeliveries + 1,
                    started=False,
                    started_at=None,
                )
            )
            if moved.rowcount != 1:
                raise DeliveryNotRedeliverable(
                    f"Webhook {webhook_id} was redelivered or delivered meanwhile; see its "
                    "deliveries before sending it again.",
                    code="webhook_redelivered_meanwhile",
                    params={"webhook_id": webhook_id},
                )
            row = session.get_one(DeliveryRow, webhook_id)
            return self._delivery(session, row, moment)

    def redeliverable(self, webhook_id: str, now: datetime) -> Delivery:
        """The delivery as it is, if it may be redelivered now; else why not (raised)."""
        with Session(self.engine) as session:
            row = session.get(DeliveryRow, webhook_id)
            if row is None:
                raise NotFound(f"No webhook delivery {webhook_id}.")
            current = self._delivery(session, row, now)
            subscription = session.get_one(SubscriptionRow, row.subscription_id)
        if current.delivered_at is not None:
            raise DeliveryNotRedeliverable(
                f"Webhook {webhook_id} was delivered already; nothing to send again.",
                code="webhook_delivered",
                params={"webhook_id": webhook_id},
            )
        if not subscription.active:
            raise DeliveryNotRedeliverable(
                f"Webhook {webhook_id} is for subscription {row.subscription_id}, which was "
                "deactivated; nothing is sent to it again.",
                code="webhook_subscription_inactive",
                params={"webhook_id": webhook_id, "subscription_id": row.subscription_id},
            )
        if not current.gave_up:
            raise DeliveryNotRedeliverable(
                f"Webhook {webhook_id} is still being retried (every attempt is in its "
                "deliveries); it can be redelivered once its retries give up.",
                code="webhook_still_retrying",
                params={"webhook_id": webhook_id},
            )
        return current

    def _delivery(
        self, session: Session, row: DeliveryRow, now: datetime | None = None
    ) -> Delivery:
        attempts = tuple(
            Attempt(a.attempt, _utc(a.attempted_at), a.status_code, a.error)
            for a in session.scalars(
                select(AttemptRow)
                .where(AttemptRow.webhook_id == row.webhook_id)
                .order_by(AttemptRow.attempt)
            )
        )
        return Delivery(
            row.webhook_id,
            row.subscription_id,
            row.event_type,
            _utc(row.created_at),
            None if row.delivered_at is None else _utc(row.delivered_at),
            attempts,
            row.redeliveries,
            gave_up(row, attempts, now or datetime.now(UTC)),
        )


class DeliveryNotRedeliverable(DomainError):
    """A delivery that was delivered, whose round of attempts still retries, whose
    subscription is deactivated, or that another redelivery moved on meanwhile."""
