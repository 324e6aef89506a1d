"""Webhooks reach a subscriber that is down for a while: every event, signed, each under one
webhook id however often it was sent, every attempt recorded for the office to see."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook
from temporalio.client import Client, WorkflowFailureError

from domain.trainer.steps import Reinstate, RemoveForCause
from domain.values import Module
from service.adapters.webhook_dispatch import dispatch_once
from service.app.certification import Certification
from service.app.webhooks.store import EVENT_TYPES, Webhooks
from service.settings import Settings
from service.storage.database import create_service_engine
from tests.stories import Story, new_id
from workflows.activities import CertificationActivities
from workflows.webhook_activities import WebhookActivities
from workflows.worker import running_worker

DOWN_FOR_SECONDS = 2.5


class Receiver:
    """A subscriber that answers its very first request 503, as a busy one would."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                with receiver.lock:
                    receiver.received.append((dict(self.headers.items()), body))
                    first = len(receiver.received) == 1
                self.send_response(503 if first else 204)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                return

        return Handler


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(receiver: Receiver, port: int) -> Iterator[None]:
    server = ThreadingHTTPServer(("127.0.0.1", port), receiver.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def a_trainers_life(app: Certification) -> None:
    """Certified, a module added, removed for cause (revoked), reinstated: five events."""
    story = Story(app)
    trainer = story.register_candidate("Asha Rao")
    story.certified_in(Module.WC, trainer, story.register_expert())
    story.certified_in(Module.QUALITY, trainer, story.register_expert())
    removal = RemoveForCause("copyright", "copies")
    app.take_standing_step(trainer.user_id, removal, story.hq, new_id(), story.later())
    app.take_standing_step(trainer.user_id, Reinstate("settled"), story.hq, new_id(), story.later())


async def test_a_subscriber_down_for_a_while_receives_every_event_once_by_id(
    settings: Settings,
    app: Certification,
    activities: CertificationActivities,
    dev_client: Client,
    task_queue: str,
) -> None:
    engine = create_service_engine(settings)
    webhooks = Webhooks(engine, allow_private=True)  # the receiver is on 127.0.0.1, http
    port, receiver = free_port(), Receiver()
    subscription = webhooks.subscribe(f"http://127.0.0.1:{port}/hooks", EVENT_TYPES, "office")
    a_trainers_life(app)

    more = WebhookActivities(webhooks).all()
    async with running_worker(dev_client, task_queue, activities, more_activities=more):
        assert await dispatch_once(dev_client, app, webhooks, task_queue) == 5
        await asyncio.sleep(DOWN_FOR_SECONDS)  # nobody listens on the port yet
        with serving(receiver, port):
            for delivery in webhooks.deliveries(subscription.subscription_id):
                handle = dev_client.get_workflow_handle(f"webhook-{delivery.webhook_id}")
                assert await asyncio.wait_for(handle.result(), timeout=60) == 204
        assert await dispatch_once(dev_client, app, webhooks, task_queue) == 0, "none twice"

    signer = Webhook(subscription.secret)
    bodies = [signer.verify(body, headers) for headers, body in receiver.received]
    ids = [headers["webhook-id"] for headers, _ in receiver.received]
    assert sorted(b["type"] for b in bodies) == sorted([*EVENT_TYPES, bodies[0]["type"]])
    assert len(set(ids)) == 5 and ids.count(ids[0]) == 2, "the refused one came again, same id"
    assert all("@" not in json.dumps(b) for b in bodies), "no e-mail address leaves"

    deliveries = webhooks.deliveries(subscription.subscription_id)
    assert all(d.delivered_at is not None for d in deliveries)
    # A loaded machine may start a delivery's first attempt only once the port is open: some,
    # not necessarily each, met the shut port; every failed attempt was tried again.
    assert any(d.attempts[0].error for d in deliveries), "the subscriber was down at first"
    assert all(d.attempts[-1].status_code == 204 for d in deliveries)
    assert all(a.error for d in deliveries for a in d.attempts[:-1]), "retried until accepted"
    engine.dispose()


async def test_a_delivery_that_gave_up_is_redelivered_by_a_new_workflow_round(
    settings: Settings,
    app: Certification,
    activities: CertificationActivities,
    dev_client: Client,
    task_queue: str,
) -> None:
    """The first round is refused for good (the worker's webhooks are strict, so 127.0.0.1
    is no public address); the office redelivers it, and the next round delivers it."""
    engine = create_service_engine(settings)
    lenient = Webhooks(engine, allow_private=True)
    port, receiver = free_port(), Receiver()
    subscription = lenient.subscribe(f"http://127.0.0.1:{port}/hooks", EVENT_TYPES, "office")
    story = Story(app)
    story.certified_in(Module.WC, story.register_candidate("Asha Rao"), story.register_expert())

    strict = WebhookActivities(Webhooks(engine)).all()
    async with running_worker(dev_client, task_queue, activities, more_activities=strict):
        assert await dispatch_once(dev_client, app, lenient, task_queue) == 1
        (delivery,) = lenient.deliveries(subscription.subscription_id)
        first = dev_client.get_workflow_handle(f"webhook-{delivery.webhook_id}")
        with pytest.raises(WorkflowFailureError):
            await asyncio.wait_for(first.result(), timeout=60)
    (failed,) = lenient.failed()
    lenient.redeliver(failed.webhook_id)

    more = WebhookActivities(lenient).all()
    async with running_worker(dev_client, task_queue, activities, more_activities=more):
        with serving(receiver, port):
            assert await dispatch_once(dev_client, app, lenient, task_queue) == 1
            again = dev_client.get_workflow_handle(f"webhook-{failed.webhook_id}-redelivery-1")
            assert await asyncio.wait_for(again.result(), timeout=60) == 204

    (delivered,) = lenient.deliveries(subscription.subscription_id)
    assert delivered.delivered_at is not None and delivered.redeliveries == 1
    assert [a.attempt for a in delivered.attempts] == [1, 2, 3]
    assert delivered.attempts[0].error is not None and "refused" in delivered.attempts[0].error
    assert {h["webhook-id"] for h, _ in receiver.received} == {failed.webhook_id}
    engine.dispose()
