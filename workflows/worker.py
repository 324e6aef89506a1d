"""The worker: runs both workflows and the given activities against a Temporal server.

What the activities are built from (the application, a notifier) is decided by the
composition root, `service.bootstrap.worker`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from temporalio.client import Client, Interceptor
from temporalio.runtime import Runtime
from temporalio.worker import Worker

from workflows.activities import CertificationActivities
from workflows.converter import data_converter
from workflows.journey import CertificationJourney
from workflows.observe import ActivityLogContext
from workflows.sandbox import sandbox_runner
from workflows.standing import TrainerStanding
from workflows.webhooks import WebhookDelivery

WORKFLOWS = [CertificationJourney, TrainerStanding, WebhookDelivery]

# Lets a step being saved finish when the worker is asked to stop.
GRACEFUL_SHUTDOWN = timedelta(seconds=10)


async def connect(
    address: str,
    namespace: str = "default",
    interceptors: Sequence[Interceptor] = (),
    runtime: Runtime | None = None,
) -> Client:
    """A client that carries the domain's dataclasses as they are (dates, enums, tuples).

    `interceptors` (tracing) apply to the worker built on the client too; `runtime` is where
    the SDK's own metrics go (the composition root decides both).
    """
    return await Client.connect(
        address,
        namespace=namespace,
        data_converter=data_converter,
        interceptors=interceptors,
        runtime=runtime,
    )


@asynccontextmanager
async def running_worker(
    client: Client,
    task_queue: str,
    activities: CertificationActivities,
    threads: int = 8,
    cached_workflows: int = 1000,
    more_activities: Sequence[Callable[..., Any]] = (),
) -> AsyncIterator[Worker]:
    """A worker polling `task_queue` until the block ends; sync activities use `threads`."""
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="activity") as executor:
        worker = Worker(
            client,
            task_queue=task_queue,
            workflows=WORKFLOWS,
            activities=[*activities.all(), *more_activities],
            activity_executor=executor,
            max_concurrent_activities=threads,
            max_concurrent_local_activities=threads,
            graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
            workflow_runner=sandbox_runner(),
            max_cached_workflows=cached_workflows,
            interceptors=[ActivityLogContext()],
        )
        async with worker:
            yield worker
