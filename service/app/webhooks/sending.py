"""One attempt at a delivery: signed per Standard Webhooks (webhook-id, webhook-timestamp,
webhook-signature), POSTed, recorded and counted (score_webhook_delivery_*) whatever its
outcome. A failed attempt raises, so that the caller (a Temporal activity) retries it with
backoff. The subscriber's host is resolved first and the attempt sent to the address checked
(destinations.py): one that is not public is refused, recorded with the reason, and not
retried."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx
from sqlalchemy import update
from sqlalchemy.orm import Session
from standardwebhooks import Webhook

from domain.errors import NotFound
from service.app.webhooks.destinations import DestinationRefused, HostNotFound, public_address
from service.app.webhooks.store import REFUSED, AttemptRow, DeliveryRow, Webhooks
from service.telemetry.metrics import WEBHOOK_ATTEMPTS, WEBHOOK_LATENCY

TIMEOUT_SECONDS = 10.0


class DeliveryFailed(Exception):
    """The subscriber did not accept this attempt (not 2xx, or unreachable)."""


class RoundSuperseded(Exception):
    """The attempt's round is not the delivery's current one: the office redelivered it since,
    and the new round's workflow sends from now on (one round at a time)."""


def send(webhooks: Webhooks, webhook_id: str, attempt: int, round_number: int) -> int:
    """Send attempt `attempt` of the delivery's round `round_number` (numbered after the
    attempts of the rounds before); returns the subscriber's status (2xx) or raises
    DeliveryFailed, or RoundSuperseded when that round is no longer the current one."""
    with Session(webhooks.engine) as session:
        delivery = session.get(DeliveryRow, webhook_id)
        if delivery is None:
            raise NotFound(f"No webhook delivery {webhook_id}.")
        if delivery.delivered_at is not None:
            return 200  # delivered by an attempt whose answer was lost: nothing to send
        if delivery.redeliveries != round_number:
            raise RoundSuperseded(
                f"Webhook {webhook_id}: round {round_number} was superseded by round "
                f"{delivery.redeliveries}, which sends it now."
            )
        subscription_id, payload = delivery.subscription_id, delivery.payload
        attempt += delivery.attempts_before
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
        reply = _post(url, payload, headers, webhooks.allow_private)
        status = reply.status_code
        if not 200 <= status < 300:
            error = f"answered {status}"
    except DestinationRefused as refused:
        _record(webhooks, webhook_id, attempt, now, None, f"{REFUSED}{refused}")
        raise
    except (httpx.HTTPError, HostNotFound) as failure:
        error = f"{type(failure).__name__}: {failure}"
    outcome = "delivered" if error is None else "failed"
    WEBHOOK_LATENCY.labels(outcome).observe(time.perf_counter() - started)
    WEBHOOK_ATTEMPTS.labels(outcome).inc()
    _record(webhooks, webhook_id, attempt, now, status, error)
    if error is not None:
        raise DeliveryFailed(f"Webhook {webhook_id} attempt {attempt} to {url}: {error}")
    assert status is not None
    return status


def _post(url: str, payload: str, headers: dict[str, str], allow_private: bool) -> httpx.Response:
    """POST to the subscriber; unless private addresses are allowed, to the public address its
    host resolved to (so that it cannot resolve to another one between check and send), with
    the name kept for TLS (SNI, certificate) and the Host header. Redirects are not followed."""
    target = httpx.URL(url)
    if allow_private:
        return httpx.post(target, content=payload, headers=headers, timeout=TIMEOUT_SECONDS)
    address = public_address(target.host, target.port or 443)
    with httpx.Client(timeout=TIMEOUT_SECONDS) as client:
        request = client.build_request(
            "POST",
            target.copy_with(host=address),
            content=payload,
            headers={**headers, "host": target.netloc.decode("ascii")},
            extensions={"sni_hostname": target.host},
        )
        return client.send(request)


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
