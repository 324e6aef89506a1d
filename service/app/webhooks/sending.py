"""One attempt at a delivery: signed per Standard Webhooks (webhook-id, webhook-timestamp,
webhook-signature), POSTed, recorded and counted (score_webhook_delivery_*) whatever its
outcome. A failed attempt raises, so that the caller (a Temporal activity) retries it with
backoff."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx
from sqlalchemy import update
from sqlalchemy.orm import Session
from standardwebhooks import Webhook

from domain.errors import NotFound
from service.app.webhooks.store import AttemptRow, DeliveryRow, Webhooks
from service.telemetry.metrics import WEBHOOK_ATTEMPTS, WEBHOOK_LATENCY

TIMEOUT_SECONDS = 10.0


class DeliveryFailed(Exception):
    """The subscriber did not accept this attempt (not 2xx, or unreachable)."""


def send(webhooks: Webhooks, webhook_id: str, attempt: int) -> int:
    """Send attempt `attempt`; returns the subscriber's status (2xx) or raises DeliveryFailed."""
    with Session(webhooks.engine) as session:
        delivery = session.get(DeliveryRow, webhook_id)
        if delivery is None:
            raise NotFound(f"No webhook delivery {webhook_id}.")
        if delivery.delivered_at is not None:
            return 200  # delivered by an attempt whose answer was lost: nothing to send
        subscription_id, payload = delivery.subscription_id, delivery.payload
    url, secret = webhooks.secret_of(subscription_id)
    now = datetime.now(UTC)
    headers = {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, now, payload),
    }
    status, error = None, None
    started = time.perf_counter()
    try:
        reply = httpx.post(url, content=payload, headers=headers, timeout=TIMEOUT_SECONDS)
        status = reply.status_code
        if not 200 <= status < 300:
            error = f"answered {status}"
    except httpx.HTTPError as failure:
        error = f"{type(failure).__name__}: {failure}"
    outcome = "delivered" if error is None else "failed"
    WEBHOOK_LATENCY.labels(outcome).observe(time.perf_counter() - started)
    WEBHOOK_ATTEMPTS.labels(outcome).inc()
    _record(webhooks, webhook_id, attempt, now, status, error)
    if error is not None:
        raise DeliveryFailed(f"Webhook {webhook_id} attempt {attempt} to {url}: {error}")
    assert status is not None
    return status


def _record(
    webhooks: Webhooks,
    webhook_id: str,
    attempt: int,
    at: datetime,
    status: int | None,
    error: str | None,
) -> None:
    with Session(webhooks.engine) as session, session.begin():
        session.merge(
            AttemptRow(
                webhook_id=webhook_id,
                attempt=attempt,
                attempted_at=at,
                status_code=status,
                error=error,
            )
        )
        if error is None:
            session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.webhook_id == webhook_id)
                .values(delivered_at=at)
            )
