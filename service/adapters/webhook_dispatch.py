"""The dispatcher: records the deliveries new events call for, and starts one WebhookDelivery
workflow per delivery's round (its workflow id is the webhook id's, `-redelivery-<n>` for the
office's n-th redelivery: started twice, it runs once). Runs beside the worker, in the worker
process."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from service.app.certification import Certification
from service.app.webhooks.outbox import collect, mark_started, unstarted
from service.app.webhooks.store import Webhooks
from workflows.webhooks import WebhookDelivery

logger = logging.getLogger(__name__)
POLL_SECONDS = 1.0


async def dispatch_once(
    client: Client, app: Certification, webhooks: Webhooks, task_queue: str
) -> int:
    """One pass: new deliveries recorded, and every delivery not yet started, started."""
    await asyncio.to_thread(collect, app, webhooks)
    started = 0
    for pending in await asyncio.to_thread(unstarted, webhooks):
        with suppress(WorkflowAlreadyStartedError):
            await client.start_workflow(
                WebhookDelivery.run,
                pending.webhook_id,
                id=pending.workflow_id,
                task_queue=task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
            started += 1
        await asyncio.to_thread(mark_started, webhooks, pending.webhook_id, pending.number)
    return started


async def dispatching(
    client: Client,
    app: Certification,
    webhooks: Webhooks,
    task_queue: str,
    stop: asyncio.Event,
    every: float = POLL_SECONDS,
) -> None:
    """Dispatch until `stop`; a failed pass (the database away a moment) is tried again."""
    while not stop.is_set():
        try:
            await dispatch_once(client, app, webhooks, task_queue)
        except Exception:
            logger.exception("webhook dispatch failed; trying again")
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
