"""Webhooks go only to the public internet over https: a subscription cannot make the service
call its own network, neither by naming an internal address nor by a name resolving to one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from service.app.webhooks.destinations import DestinationRefused
from service.app.webhooks.sending import send
from service.app.webhooks.store import DeliveryRow, Webhooks
from tests.office.conftest import Desk

REFUSED_URLS = [
    "http://crm.example.org/hooks",  # not https
    "https://user:secret@crm.example.org/hooks",
    "https://127.0.0.1/hooks",
    "https://10.1.2.3/hooks",
    "https://192.168.0.7:8443/hooks",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]/hooks",
    "https://[::ffff:127.0.0.1]/hooks",
    "https://0.0.0.0/hooks",
    "https://224.0.0.1/hooks",
    "https://metadata.google.internal/computeMetadata/v1",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
async def test_the_office_cannot_subscribe_a_url_that_is_not_public_https(
    desk: Desk, office: dict[str, str], url: str
) -> None:
    subscription = {"url": url, "events": ["trainer.delisted"]}
    reply = await desk.http.post("/webhooks", json=subscription, headers=office)

    assert reply.status_code == 422, reply.text
    assert "webhook URL" in reply.text
    assert desk.services.webhooks.subscriptions() == [], "nothing was subscribed"


async def test_a_public_https_url_is_subscribed(desk: Desk, office: dict[str, str]) -> None:
    subscription = {"url": "https://crm.example.org/hooks", "events": ["trainer.delisted"]}
    reply = await desk.http.post("/webhooks", json=subscription, headers=office)

    assert reply.status_code == 201, reply.text


def test_a_name_that_resolves_to_loopback_is_a_refused_attempt_with_its_reason(
    desk: Desk,
) -> None:
    webhooks: Webhooks = desk.services.webhooks
    made = webhooks.subscribe("https://localhost:9/hooks", ("trainer.delisted",), "office")
    with Session(webhooks.engine) as session, session.begin():
        session.add(
            DeliveryRow(
                webhook_id="msg_local",
                subscription_id=made.subscription_id,
                event_type="trainer.delisted",
                position=1,
                payload='{"type": "trainer.delisted"}',
                created_at=datetime.now(UTC),
            )
        )

    with pytest.raises(DestinationRefused, match="loopback"):
        send(webhooks, "msg_local", attempt=1, round_number=0)

    (delivery,) = webhooks.deliveries(made.subscription_id)
    (attempt,) = delivery.attempts
    assert delivery.delivered_at is None and attempt.status_code is None
    assert attempt.error is not None and "localhost resolves to" in attempt.error
    assert "loopback" in attempt.error
