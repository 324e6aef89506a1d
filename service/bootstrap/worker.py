"""Builds the worker: the workflows, and the activities around the application and a notifier.

Imports neither FastAPI nor the HTTP package (a test and an import contract check it): the
worker process loads only the workflows, the application and its adapters.
"""

from __future__ import annotations

import asyncio
import signal

from service.adapters.mail import Outbox, build_notifier
from service.adapters.webhook_dispatch import dispatching
from service.app.accounts import ChosenLanguages
from service.app.webhooks.store import Webhooks
from service.bootstrap.parts import build_certification
from service.bootstrap.telemetry import process_metrics, temporal_interceptors, temporal_runtime
from service.settings import Settings
from service.storage.database import create_service_engine
from service.telemetry.metrics import Reading, register_readings
from workflows.activities import CertificationActivities
from workflows.client import reminder_policy
from workflows.webhook_activities import WebhookActivities
from workflows.worker import connect, running_worker


async def run_worker(
    settings: Settings, address: str | None = None, stop: asyncio.Event | None = None
) -> None:
    """Run until `stop` is set, or until SIGINT/SIGTERM when no event is given."""
    target = address or settings.temporal_address
    if target is None:
        raise ValueError(
            "No Temporal address: set SCORE_TEMPORAL_ADDRESS (host:port) or pass --address."
        )
    client = await connect(
        target, settings.temporal_namespace, temporal_interceptors(), temporal_runtime(settings)
    )
    stop = stop or _stop_on_signals()
    certification = build_certification(settings)
    notifier = build_notifier(settings)
    engine = create_service_engine(settings)
    activities = CertificationActivities(
        certification,
        notifier,
        reminder_policy(settings),
        settings.office_email,
        ChosenLanguages(engine).of_trainer,
    )
    webhooks = Webhooks(engine, settings.webhooks_allow_private)
    metrics = process_metrics(settings)
    outbox = Outbox(engine)
    unregister = register_readings(
        [
            Reading(
                "score_outbox_undelivered",
                "Messages in the outbox not handed to SMTP",
                outbox.undelivered,
            )
        ]
    )
    try:
        async with running_worker(
            client,
            settings.task_queue,
            activities,
            settings.worker_threads,
            settings.worker_cached_workflows,
            WebhookActivities(webhooks).all(),
        ):
            # The deliveries new events call for, started as workflows beside the worker.
            await dispatching(client, certification, webhooks, settings.task_queue, stop)
    finally:
        unregister()
        outbox.close()
        if metrics is not None:
            metrics.close()
        notifier.close()
        certification.close()
        engine.dispose()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop
