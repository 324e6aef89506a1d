"""WebhookDelivery: one delivery of one event to one subscriber, until it is accepted.

The activity signs and sends one attempt and records it; a refused or failed attempt is
retried by Temporal with exponential backoff (the server keeps the schedule through worker
restarts) for up to three days, always under the same webhook id, so a subscriber that was
down receives every event once it is back, and recognises a repeat by its id. A round that
gave up is run again, as a new workflow, when the office redelivers it
(docs/credentials.md, "Redelivery").
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.messages import ActivityName

GIVES_UP_AFTER = timedelta(days=3)  # the store tells a round that gave up by it (store.py)
DELIVERY_RETRIES = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
    non_retryable_error_types=["NotFound"],
)


@workflow.defn
class WebhookDelivery:
    @workflow.run
    async def run(self, webhook_id: str) -> int:
        status: int = await workflow.execute_activity(
            ActivityName.DELIVER_WEBHOOK,
            webhook_id,
            result_type=int,
            start_to_close_timeout=timedelta(seconds=30),
            schedule_to_close_timeout=GIVES_UP_AFTER,
            retry_policy=DELIVERY_RETRIES,
        )
        return status
