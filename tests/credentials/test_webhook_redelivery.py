"""A delivery whose retries gave up is listed for the office, who sends it again: a new round of
attempts under the same webhook id, numbered after the earlier ones (on SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from standardwebhooks import Webhook
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from domain.errors import NotFound
from domain.values import Module
from service.app.certification import Certification
from service.app.webhooks.outbox import collect, mark_started, unstarted
from service.app.webhooks.sending import DeliveryFailed
from service.app.webhooks.store import (
    DELIVERY_PERIOD,
    Delivery,
    DeliveryNotRedeliverable,
    NewSubscription,
    Webhooks,
    round_of,
    round_workflow_id,
)
from service.bootstrap.parts import build_certification
from service.settings import Settings
from service.storage.database import create_service_engine
from tests.migrated import migrated
from tests.stories import Story
from tests.workflows.test_webhook_delivery import Receiver, free_port, serving
from workflows.webhook_activities import WebhookActivities
from workflows.webhooks import GIVES_UP_AFTER

THREE_DAYS_ON = timedelta(days=3, minutes=10)


@dataclass
class Hooks:
    app: Certification
    webhooks: Webhooks
    subscription: NewSubscription
    port: int


@pytest.fixture
def hooks(tmp_path: Path) -> Iterator[Hooks]:
    settings = migrated(Settings(data_dir=tmp_path / "data"))
    app, engine = build_certification(settings), create_service_engine(settings)
    webhooks, port = Webhooks(engine, allow_private=True), free_port()  # a local receiver
    url = f"http://127.0.0.1:{port}/hooks"
    subscription = webhooks.subscribe(url, ("certificate.issued",), "office")
    yield Hooks(app, webhooks, subscription, port)
    app.close()
    engine.dispose()


def attempted(hooks: Hooks, webhook_id: str, attempt: int, round_number: int = 0) -> int:
    """The delivery activity's attempt `attempt` in the workflow of round `round_number`, as
    Temporal runs it."""
    environment = ActivityEnvironment()
    workflow_id = round_workflow_id(webhook_id, round_number)
    environment.info = replace(environment.info, attempt=attempt, workflow_id=workflow_id)
    status: int = environment.run(WebhookActivities(hooks.webhooks).deliver_webhook, webhook_id)
    return status


def a_delivery_that_failed(hooks: Hooks) -> str:
    """A certificate issued while the subscriber is down: its first attempt fails."""
    story = Story(hooks.app)
    story.certified_in(Module.WC, story.register_candidate("Asha Rao"), story.register_expert())
    assert collect(hooks.app, hooks.webhooks) == 1
    ((webhook_id, number),) = unstarted(hooks.webhooks)
    assert unstarted(hooks.webhooks)[0].workflow_id == f"webhook-{webhook_id}"
    mark_started(hooks.webhooks, webhook_id, number)  # as the dispatcher does once it started it
    with pytest.raises(DeliveryFailed):
        attempted(hooks, webhook_id, 1)  # nobody listens on the port
    return webhook_id


def test_a_delivery_still_retrying_is_not_listed_nor_redelivered(hooks: Hooks) -> None:
    webhook_id = a_delivery_that_failed(hooks)

    assert hooks.webhooks.failed() == []
    with pytest.raises(DeliveryNotRedeliverable) as refused:
        hooks.webhooks.redeliver(webhook_id)

    assert refused.value.code == "webhook_still_retrying"
    assert unstarted(hooks.webhooks) == [], "nothing was started again"


def test_the_office_redelivers_one_that_gave_up_under_the_same_webhook_id(hooks: Hooks) -> None:
    webhook_id = a_delivery_that_failed(hooks)
    later = datetime.now(UTC) + THREE_DAYS_ON

    (listed,) = hooks.webhooks.failed(later)
    again = hooks.webhooks.redeliver(webhook_id, later)

    assert listed.webhook_id == webhook_id and listed.gave_up
    assert again.redeliveries == 1 and not again.gave_up
    assert hooks.webhooks.failed(later) == [], "under way again: no longer failed"
    (second,) = unstarted(hooks.webhooks)
    assert second == (webhook_id, 1)
    assert second.workflow_id == f"webhook-{webhook_id}-redelivery-1"
    mark_started(hooks.webhooks, webhook_id, 1)
    receiver = Receiver()  # answers its first request 503, the next 204
    with serving(receiver, hooks.port):
        with pytest.raises(DeliveryFailed):
            attempted(hooks, webhook_id, 1, round_number=1)
        assert attempted(hooks, webhook_id, 2, round_number=1) == 204

    (delivery,) = hooks.webhooks.deliveries(hooks.subscription.subscription_id)
    assert [a.attempt for a in delivery.attempts] == [1, 2, 3], "numbered after the first round"
    assert delivery.delivered_at is not None and delivery.attempts[-1].status_code == 204
    signer = Webhook(hooks.subscription.secret)
    assert all(signer.verify(body, headers) for headers, body in receiver.received)
    assert {headers["webhook-id"] for headers, _ in receiver.received} == {webhook_id}


def test_a_dispatcher_that_read_an_earlier_round_leaves_the_redelivery_to_be_started(
    hooks: Hooks,
) -> None:
    webhook_id = a_delivery_that_failed(hooks)
    later = datetime.now(UTC) + THREE_DAYS_ON
    hooks.webhooks.redeliver(webhook_id, later)

    # A dispatcher that read round 0 as unstarted before the office redelivered marks it late.
    assert not mark_started(hooks.webhooks, webhook_id, 0)

    assert unstarted(hooks.webhooks) == [(webhook_id, 1)], "round 1 still waits for its start"
    assert mark_started(hooks.webhooks, webhook_id, 1)
    assert not mark_started(hooks.webhooks, webhook_id, 1), "a round is marked started once"
    assert unstarted(hooks.webhooks) == []


def test_the_round_that_was_redelivered_stops_without_sending_while_the_new_one_sends(
    hooks: Hooks,
) -> None:
    webhook_id = a_delivery_that_failed(hooks)
    hooks.webhooks.redeliver(webhook_id, datetime.now(UTC) + THREE_DAYS_ON)
    receiver = Receiver()

    with serving(receiver, hooks.port):
        with pytest.raises(ApplicationError) as stopped:
            attempted(hooks, webhook_id, 2, round_number=0)  # the old round, still retrying
        assert receiver.received == [], "the old round sent nothing"
        with pytest.raises(DeliveryFailed):
            attempted(hooks, webhook_id, 1, round_number=1)  # the receiver's first answer: 503

    assert stopped.value.type == "Superseded" and stopped.value.non_retryable
    assert "superseded by round 1" in str(stopped.value)
    (delivery,) = hooks.webhooks.deliveries(hooks.subscription.subscription_id)
    assert [a.attempt for a in delivery.attempts] == [1, 2], "only the new round's attempt"


def test_a_rounds_number_is_read_back_from_its_workflow_id() -> None:
    webhook_id = "msg_7_" + "a" * 32

    assert [round_of(round_workflow_id(webhook_id, n)) for n in (0, 1, 12)] == [0, 1, 12]
    assert round_of("test") == 0, "a workflow id of no round's form: the first round"


class RacedWebhooks(Webhooks):
    """An office worker whose redelivery is overtaken: another one's redelivery of the same
    round lands between this one's reading it and its writing."""

    def redeliverable(self, webhook_id: str, now: datetime) -> Delivery:
        seen = super().redeliverable(webhook_id, now)
        Webhooks(self.engine, allow_private=True).redeliver(webhook_id, now)
        return seen


def test_of_two_redeliveries_at_once_the_second_is_refused_and_one_round_is_started(
    hooks: Hooks,
) -> None:
    webhook_id = a_delivery_that_failed(hooks)
    later = datetime.now(UTC) + THREE_DAYS_ON

    with pytest.raises(DeliveryNotRedeliverable) as refused:
        RacedWebhooks(hooks.webhooks.engine, allow_private=True).redeliver(webhook_id, later)

    assert refused.value.code == "webhook_redelivered_meanwhile"
    (delivery,) = hooks.webhooks.deliveries(hooks.subscription.subscription_id)
    assert delivery.redeliveries == 1, "the first redelivery's round, once"
    assert unstarted(hooks.webhooks) == [(webhook_id, 1)]


def test_a_deactivated_subscriptions_delivery_is_neither_listed_nor_redelivered(
    hooks: Hooks,
) -> None:
    webhook_id = a_delivery_that_failed(hooks)
    later = datetime.now(UTC) + THREE_DAYS_ON
    hooks.webhooks.deactivate(hooks.subscription.subscription_id)

    with pytest.raises(DeliveryNotRedeliverable) as refused:
        hooks.webhooks.redeliver(webhook_id, later)

    assert hooks.webhooks.failed(later) == []
    assert refused.value.code == "webhook_subscription_inactive"
    assert refused.value.params["subscription_id"] == hooks.subscription.subscription_id
    assert unstarted(hooks.webhooks) == [], "nothing was started again"


def test_a_delivered_one_is_not_sent_again(hooks: Hooks) -> None:
    webhook_id = a_delivery_that_failed(hooks)
    with serving(Receiver(), hooks.port):
        with pytest.raises(DeliveryFailed):
            attempted(hooks, webhook_id, 2)  # the receiver's first answer: 503
        assert attempted(hooks, webhook_id, 3) == 204

    with pytest.raises(DeliveryNotRedeliverable) as refused:
        hooks.webhooks.redeliver(webhook_id, datetime.now(UTC) + THREE_DAYS_ON)

    assert refused.value.code == "webhook_delivered"


def test_a_destination_refused_as_not_public_gives_up_at_once_and_is_listed(
    hooks: Hooks,
) -> None:
    story = Story(hooks.app)
    story.certified_in(Module.WC, story.register_candidate("Asha Rao"), story.register_expert())
    collect(hooks.app, hooks.webhooks)
    ((webhook_id, number),) = unstarted(hooks.webhooks)
    mark_started(hooks.webhooks, webhook_id, number)
    strict = Webhooks(hooks.webhooks.engine)  # as in production: 127.0.0.1 is refused
    environment = ActivityEnvironment()
    with pytest.raises(ApplicationError, match="loopback"):
        environment.run(WebhookActivities(strict).deliver_webhook, webhook_id)

    (listed,) = hooks.webhooks.failed()

    assert listed.webhook_id == webhook_id and listed.attempts[0].error
    assert hooks.webhooks.redeliver(webhook_id).redeliveries == 1


def test_an_unknown_delivery_is_not_found(hooks: Hooks) -> None:
    with pytest.raises(NotFound):
        hooks.webhooks.redeliver("msg_1_" + "0" * 32)


def test_the_store_tells_a_round_gave_up_by_the_workflows_own_period() -> None:
    assert DELIVERY_PERIOD == GIVES_UP_AFTER
