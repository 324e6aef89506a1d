"""Each activity's log lines carry the workflow id and the command id of the step it records.

The API binds the same two when it sends the step (`workflows.client.step_logged`), so one
search for a command id finds the request, the activity and the stored event's line
(`service.app.certification`), in whichever processes they ran. Activities run in threads;
temporalio copies the task's context into the thread, so what is bound here is seen there.
"""

from __future__ import annotations

from typing import Any

import structlog
from temporalio import activity
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

log = structlog.get_logger(__name__)


class ActivityLogContext(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _BindStep(next)


class _BindStep(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        bound: dict[str, Any] = {
            "workflow_id": info.workflow_id,
            "activity": info.activity_type,
            "attempt": info.attempt,
        }
        command_id = next(
            (getattr(arg, "command_id", None) for arg in input.args if hasattr(arg, "command_id")),
            None,
        )
        if command_id is not None:
            bound["command_id"] = command_id
        with structlog.contextvars.bound_contextvars(**bound):
            log.debug("activity started")
            return await self.next.execute_activity(input)
