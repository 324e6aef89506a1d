"""Prometheus metrics: what each process counts and times, and the endpoint that serves them.

Counters and histograms live in prometheus-client's default registry, written where the thing
happens (a request, an append, a reminder). Figures that belong to a database rather than to a
process (the projector's lag, the outbox's depth) are read when Prometheus scrapes, through a
`Reading`, so that an idle process never reports a stale value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from threading import Thread
from wsgiref.simple_server import WSGIServer

from prometheus_client import REGISTRY, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

# Steps wait on Temporal and a worker: the buckets reach well past the default 10 s.
_REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
# A subscriber has 10 s to answer (service/app/webhooks/sending.py): the last bucket holds
# the attempts that timed out.
_WEBHOOK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

HTTP_REQUESTS = Counter(
    "score_http_requests",
    "HTTP requests answered, by route template and status",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "score_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template",
    ["method", "route"],
    buckets=_REQUEST_BUCKETS,
)
EVENT_APPEND_LATENCY = Histogram(
    "score_event_store_append_seconds",
    "Time to append a batch of events to the event store (with their hash-chain links)",
)
EVENTS_APPENDED = Counter("score_events_appended", "Events appended to the event store")
REMINDERS_SENT = Counter(
    "score_reminders_sent",
    "Reminders recorded (stall: a journey waiting on a step; activity: a certified trainer)",
    ["kind"],
)
MESSAGES_SENT = Counter(
    "score_messages_sent", "Messages handed to the notifier (outbox or SMTP) for the first time"
)
MAIL_DELIVERY_FAILURES = Counter(
    "score_mail_delivery_failures",
    "SMTP hand-overs that failed (the activity retries them)",
)

WEBHOOK_ATTEMPTS = Counter(
    "score_webhook_delivery_attempts",
    "Webhook delivery attempts, by outcome: delivered (2xx) or failed (retried by the activity)",
    ["outcome"],
)
WEBHOOK_LATENCY = Histogram(
    "score_webhook_delivery_seconds",
    "Time from sending a webhook to the subscriber's answer (or the failure), by outcome",
    ["outcome"],
    buckets=_WEBHOOK_BUCKETS,
)
WEBHOOK_OUTCOMES = ("delivered", "failed")
for _outcome in WEBHOOK_OUTCOMES:  # both series from the start, so that rate() sees a zero
    WEBHOOK_ATTEMPTS.labels(_outcome)
    WEBHOOK_LATENCY.labels(_outcome)


@dataclass(frozen=True)
class Reading:
    """A gauge read when scraped; `read` returns None when there is nothing to report."""

    name: str
    documentation: str
    read: Callable[[], float | None]


class _Readings(Collector):
    def __init__(self, readings: Iterable[Reading]) -> None:
        self._readings = tuple(readings)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for reading in self._readings:
            value = reading.read()
            if value is not None:
                yield GaugeMetricFamily(reading.name, reading.documentation, value=value)

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Without it, registering would call collect(), and so the database, at once.
        for reading in self._readings:
            yield GaugeMetricFamily(reading.name, reading.documentation)


def register_readings(
    readings: Iterable[Reading], registry: CollectorRegistry = REGISTRY
) -> Callable[[], None]:
    """Serve the readings with the other metrics; returns what takes them away again."""
    collector = _Readings(readings)
    registry.register(collector)
    return lambda: registry.unregister(collector)


@dataclass
class MetricsServer:
    """A small HTTP server answering /metrics, for a process that serves nothing else."""

    server: WSGIServer
    thread: Thread

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve_metrics(host: str, port: int) -> MetricsServer:
    """prometheus-client's own server on `host:port` (port 0: any free one), in a thread."""
    server, thread = start_http_server(port, addr=host)
    return MetricsServer(server, thread)
