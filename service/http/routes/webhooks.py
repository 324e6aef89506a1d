"""Webhook subscriptions for integrations, managed by the programme office, and what was
delivered to each, every attempt included (docs/credentials.md, "Webhooks")."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import AnyHttpUrl, BaseModel, Field
from starlette.concurrency import run_in_threadpool

from domain.policy import Action
from service.app.accounts import User
from service.app.idempotency import StoredResponse
from service.app.webhooks.store import Delivery, NewSubscription, Subscription
from service.http.deps import Idempotent, ServicesDep, allowed_to
from service.http.parameters import UUID, documented_as
from service.http.responses import respond
from service.http.schemas import refusals

office_only = allowed_to(Action.MANAGE_WEBHOOKS)
router = APIRouter(prefix="/webhooks", tags=["webhooks"], dependencies=[Depends(office_only)])

Office = Annotated[User, Depends(office_only)]
SubscriptionId = Annotated[
    str,
    Path(description="the subscription's id (a UUID)", json_schema_extra=documented_as(UUID)),
]
EventType = Literal[
    "certificate.issued",
    "module.added",
    "trainer.delisted",
    "trainer.reinstated",
    "credential.revoked",
]
REFUSALS = refusals(
    e403="Only the programme office",
    e422="Malformed input, or a URL that is not https or names a private address",
)


class Subscribe(BaseModel):
    url: AnyHttpUrl = Field(
        description="where events are POSTed: https, to a public address, without user:password"
    )
    events: list[EventType] = Field(min_length=1, max_length=5)


@router.post(
    "",
    status_code=201,
    responses={**REFUSALS, 201: {"model": NewSubscription, "description": "Subscribed"}},
)
async def subscribe(
    body: Subscribe, user: Office, services: ServicesDep, idem: Idempotent
) -> JSONResponse:
    """Subscribe a URL to events. The answer holds the signing secret (Standard Webhooks,
    `whsec_…`), shown this once: verify each delivery's `webhook-signature` with it."""
    events = tuple(dict.fromkeys(body.events))  # each once, in the order given

    async def call(command_id: str) -> StoredResponse:  # one subscription per command
        made = await run_in_threadpool(
            services.webhooks.subscribe, str(body.url), events, user.username, command_id
        )
        return StoredResponse(201, jsonable_encoder(asdict(made)))

    return respond(await idem.run(call))


@router.get("")
def read_subscriptions(services: ServicesDep) -> list[Subscription]:
    """Every subscription, active or not (secrets are not shown again)."""
    return services.webhooks.subscriptions()


@router.post(
    "/{subscription_id}/deactivation",
    responses={**REFUSALS, 200: {"model": Subscription, "description": "Deactivated"}},
)
async def deactivate(
    subscription_id: SubscriptionId, services: ServicesDep, idem: Idempotent
) -> JSONResponse:
    """Stop new deliveries to a subscription; those already owed are still delivered."""

    async def call(_: str) -> StoredResponse:
        found = await run_in_threadpool(services.webhooks.deactivate, subscription_id)
        return StoredResponse(200, jsonable_encoder(asdict(found)))

    return respond(await idem.run(call))


WebhookId = Annotated[
    str,
    Path(
        description="a delivery's webhook id, as its `webhook-id` header and its deliveries "
        "say (msg_<position>_<subscription>)",
        max_length=120,
        pattern=r"^msg_[0-9]+_[0-9a-f]{32}$",
    ),
]


@router.get("/deliveries/failed")
def read_failed_deliveries(services: ServicesDep) -> list[Delivery]:
    """Deliveries that gave up undelivered, every active subscription's, newest first: their
    round of retries (3 days) ran out, or the destination was refused as not public. Each may
    be sent again with its redelivery."""
    return services.webhooks.failed()


@router.post(
    "/deliveries/{webhook_id}/redelivery",
    responses={
        **REFUSALS,
        **refusals(
            e404="No such delivery",
            e409="Delivered already, still being retried, its subscription deactivated, or "
            "redelivered meanwhile",
        ),
        200: {"model": Delivery, "description": "A new round of attempts is under way"},
    },
)
async def redeliver(webhook_id: WebhookId, services: ServicesDep, idem: Idempotent) -> JSONResponse:
    """Send a delivery that gave up again: a new round of attempts (retried with backoff for
    3 days, as the first), under the same webhook id, so the subscriber still recognises a
    repeat; its attempts are numbered after the earlier ones. Refused (409) while it is
    delivered or its round still retries, once its subscription is deactivated, and for the
    second of two redeliveries at once."""

    async def call(_: str) -> StoredResponse:
        again = await run_in_threadpool(services.webhooks.redeliver, webhook_id)
        return StoredResponse(200, jsonable_encoder(asdict(again)))

    return respond(await idem.run(call))


@router.get("/{subscription_id}/deliveries")
def read_deliveries(subscription_id: SubscriptionId, services: ServicesDep) -> list[Delivery]:
    """The latest deliveries (newest first), each under its webhook id with every attempt:
    when, the subscriber's status code, or the error."""
    return services.webhooks.deliveries(subscription_id)
