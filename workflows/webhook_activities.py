"""The webhook delivery activity: one signed attempt, recorded, raising when it failed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.errors import NotFound
from service.app.webhooks.destinations import DestinationRefused
from service.app.webhooks.sending import RoundSuperseded, send
from service.app.webhooks.store import Webhooks, round_of
from workflows.messages import ActivityName


class WebhookActivities:
    def __init__(self, webhooks: Webhooks) -> None:
        self.webhooks = webhooks

    def all(self) -> Sequence[Callable[..., Any]]:
        return [self.deliver_webhook]

    @activity.defn(name=ActivityName.DELIVER_WEBHOOK)
    def deliver_webhook(self, webhook_id: str) -> int:
        try:
            info = activity.info()
            return send(self.webhooks, webhook_id, info.attempt, round_of(info.workflow_id or ""))
        except NotFound as missing:
            raise ApplicationError(str(missing), type="NotFound", non_retryable=True) from None
        except RoundSuperseded as superseded:  # a later round sends it: this one stops
            raise ApplicationError(str(superseded), type="Superseded", non_retryable=True) from None
        except DestinationRefused as refused:  # recorded; the address will not become public
            refusal = ApplicationError(str(refused), type="DestinationRefused", non_retryable=True)
            raise refusal from None
