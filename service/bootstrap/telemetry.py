"""Logs, metrics and traces, set up once per process (api, worker, projector) from settings.

Where each goes (docs/operations.md):
* logs: stderr, one line per event, JSON with `SCORE_LOG_FORMAT=json` (`score run` keeps
  each child's in data/logs/);
* metrics: the API's own `/metrics`; the worker's and the projector's on `SCORE_METRICS_PORT`,
  the Temporal SDK's on `SCORE_TEMPORAL_METRICS_PORT` (the worker's runtime);
* traces: OTLP/HTTP to `SCORE_OTLP_ENDPOINT` when set.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable
from typing import NoReturn, TextIO

from opentelemetry.sdk.trace import SpanProcessor
from temporalio.client import Interceptor as ClientInterceptor
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from service.settings import Settings
from service.telemetry.logs import configure_logging
from service.telemetry.metrics import MetricsServer, serve_metrics
from service.telemetry.tracing import configure_tracing, flush_traces, tracing_configured

log = logging.getLogger(__name__)


def observe(
    process: str,
    settings: Settings,
    span_processors: Iterable[SpanProcessor] = (),
    stream: TextIO | None = None,
) -> None:
    """Configure this process's logs (to `stream`, default stderr) and traces (the first
    thing an entry point does)."""
    configure_logging(process, settings.log_format, settings.log_level, stream)
    configure_tracing(process, settings.otlp_endpoint, span_processors)


def leave_at_once(code: int) -> NoReturn:
    """Exit now, skipping the interpreter's finalisation, which the Temporal SDK's runtime
    threads can abort (PyGILState_Release, sdk-python#300: a clean stop becomes exit 134).
    What the exit handlers would have done for us is done first: the spans still buffered
    are sent, and the output flushed."""
    flush_traces()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def process_metrics(settings: Settings) -> MetricsServer | None:
    """The worker's or projector's /metrics, on `metrics_port`; None if unset or taken (a
    process does not stop for want of its metrics: the log says so)."""
    if settings.metrics_port is None:
        return None
    try:
        server = serve_metrics(settings.api_host, settings.metrics_port)
    except OSError as error:
        log.warning("metrics: cannot serve on port %s (%s)", settings.metrics_port, error)
        return None
    log.info("metrics: http://%s:%s/metrics", settings.api_host, server.port)
    return server


def temporal_runtime(settings: Settings) -> Runtime | None:
    """A Temporal runtime whose SDK metrics Prometheus scrapes, if a port is configured."""
    if settings.temporal_metrics_port is None:
        return None
    address = f"{settings.api_host}:{settings.temporal_metrics_port}"
    try:
        runtime = Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))
    except Exception as error:  # the SDK's core says why (a port in use) as a plain exception
        log.warning("metrics: no Temporal SDK metrics on %s (%s)", address, error)
        return None
    log.info("metrics: Temporal SDK at http://%s/metrics", address)
    return runtime


def temporal_interceptors() -> list[ClientInterceptor]:
    """Temporal's tracing interceptor when traces are configured: it carries the trace from
    the client through the workflow update to the activity (and so to its SQL)."""
    return [TracingInterceptor()] if tracing_configured() else []
