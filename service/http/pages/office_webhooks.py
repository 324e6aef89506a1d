"""The office's webhook page: the subscriptions of integrations (subscribe a URL to events,
its signing secret shown once; deactivate one) and the deliveries that gave up, each sent
again by a form.

Each form calls what its JSON endpoint calls (service/http/routes/webhooks.py: POST
/webhooks, POST /webhooks/{id}/deactivation, POST /webhooks/deliveries/{id}/redelivery),
behind the same action (MANAGE_WEBHOOKS: headquarters).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Response
from fastapi.encoders import jsonable_encoder
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from domain.policy import Action
from service.app.idempotency import StoredResponse
from service.app.webhooks.store import EVENT_TYPES
from service.http.pages.kit import Page, PageRefused, SignedIn, form_values
from service.http.pages.refusals import ReadableRefusal
from service.http.routes.webhooks import Subscribe

router = APIRouter(include_in_schema=False)
SUBSCRIBE = "subscribe"  # the form a refusal is shown beside; else the row's id
WEBHOOK_ID = re.compile(r"^msg_[0-9]+_[0-9a-f]{32}$")  # as the JSON endpoint's path
SUBSCRIPTION_ID = re.compile(r"^[0-9a-fA-F-]{36}$")
DONE = ("deactivated", "redelivered")


@router.get("/office/webhooks")
async def webhooks_page(page: SignedIn, done: str = "") -> Response:
    page.require(Action.MANAGE_WEBHOOKS)
    return await _webhooks(page, done=done if done in DONE else "")


async def _webhooks(
    page: Page,
    values: dict[str, Any] | None = None,
    refused: str = "",
    refusal: ReadableRefusal | None = None,
    status: int = 200,
    done: str = "",
    subscribed: dict[str, Any] | None = None,
) -> Response:
    webhooks = page.services.webhooks
    subscriptions = await run_in_threadpool(webhooks.subscriptions)
    failed = await run_in_threadpool(webhooks.failed)
    rows = {s.subscription_id for s in subscriptions if s.active} | {d.webhook_id for d in failed}
    if refused not in (SUBSCRIBE, *rows):
        refused = ""  # its row is gone (redelivered meanwhile, no such id): above the lists
    return page.render(
        "office_webhooks.html",
        status=status,
        title=page.gettext("Webhooks"),
        subscriptions=subscriptions,
        failed=failed,
        event_types=EVENT_TYPES,
        values=values or {},
        refused=refused,
        refusal=refusal,
        done=done,
        subscribed=subscribed,
    )


@router.post("/office/webhooks")
async def subscribe(page: SignedIn) -> Response:
    """Subscribe a URL to events; the answer shows its signing secret, this once."""
    user = page.require(Action.MANAGE_WEBHOOKS)
    form = await page.form()
    values: dict[str, Any] = {
        "url": form_values(form).get("url", "").strip(),
        "events": [str(e) for e in form.getlist("events")],
    }
    try:
        body = Subscribe.model_validate(values)
    except ValidationError as invalid:
        return await _webhooks(page, values, SUBSCRIBE, page.wrong_fields(invalid), 422)
    events = tuple(dict.fromkeys(body.events))  # each once, in the order given
    webhooks = page.services.webhooks

    async def call(command_id: str) -> StoredResponse:  # one subscription per command
        made = await run_in_threadpool(
            webhooks.subscribe, str(body.url), events, user.username, command_id
        )
        return StoredResponse(201, jsonable_encoder(asdict(made)))

    outcome = await page.submitted(form, call)
    if outcome.status_code >= 300:
        return await _webhooks(page, values, SUBSCRIBE, page.refusal(outcome), outcome.status_code)
    return await _webhooks(page, subscribed=outcome.body)


@router.post("/office/webhooks/{subscription_id}/deactivation")
async def deactivate(subscription_id: str, page: SignedIn) -> Response:
    """Stop new deliveries to a subscription; those already owed are still delivered."""
    act = page.services.webhooks.deactivate
    return await _on_a_row(page, subscription_id, SUBSCRIPTION_ID, act, "deactivated")


@router.post("/office/webhooks/deliveries/{webhook_id}/redelivery")
async def redeliver(webhook_id: str, page: SignedIn) -> Response:
    """Send a delivery that gave up again: a new round of attempts, under the same id."""
    act = page.services.webhooks.redeliver
    return await _on_a_row(page, webhook_id, WEBHOOK_ID, act, "redelivered")


async def _on_a_row(
    page: SignedIn, row_id: str, shape: re.Pattern[str], act: Callable[[str], Any], done: str
) -> Response:
    """One form on one row of the page (a subscription, a delivery): `act` on its id once per
    rendered form; the page again with the refusal beside that row's form, else back to it."""
    page.require(Action.MANAGE_WEBHOOKS)
    if not shape.match(row_id):
        raise PageRefused(404, page.gettext("There is no such record."))
    form = await page.form()

    async def call(_: str) -> StoredResponse:
        acted = await run_in_threadpool(act, row_id)
        return StoredResponse(200, jsonable_encoder(asdict(acted)))

    outcome = await page.submitted(form, call)
    if outcome.status_code >= 300:
        refusal = page.refusal(outcome)
        return await _webhooks(page, None, row_id, refusal, outcome.status_code)
    return page.redirect("/office/webhooks", done=done)
