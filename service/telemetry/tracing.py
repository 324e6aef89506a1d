"""OpenTelemetry traces: the process's tracer provider and the SQL statements' spans.

One trace follows a step from the HTTP request (FastAPI's instrumentation), through the
Temporal client, the workflow update and the activity (temporalio's TracingInterceptor, which
carries the trace in Temporal's headers between processes) to the SQL statements that store
its event (`trace_engine`). Spans leave the process by OTLP/HTTP when an endpoint is
configured; otherwise no provider is installed and every span is a no-op.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable

from opentelemetry import metrics, trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.instrumentation.sqlalchemy.version import (
    __version__ as sqlalchemy_instrumentation,
)
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_NAMESPACE, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from sqlalchemy import Engine

SERVICE = "score-certification"
_traced_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


def configure_tracing(
    process: str, otlp_endpoint: str | None, processors: Iterable[SpanProcessor] = ()
) -> TracerProvider | None:
    """Install this process's tracer provider, exporting to `otlp_endpoint` (OTLP/HTTP)
    and to any other `processors` given (a test's in-memory exporter); None if neither.

    OpenTelemetry lets a process set its provider once: a later call keeps the first.
    """
    chosen = list(processors)
    if otlp_endpoint is not None:
        exporter = OTLPSpanExporter(endpoint=f"{otlp_endpoint.rstrip('/')}/v1/traces")
        chosen.append(BatchSpanProcessor(exporter))
    if not chosen:
        return None
    resource = Resource.create({SERVICE_NAME: f"{SERVICE}-{process}", SERVICE_NAMESPACE: SERVICE})
    provider = TracerProvider(resource=resource)
    for processor in chosen:
        provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    return provider


def flush_traces(timeout_seconds: float = 5.0) -> None:
    """Send the spans still buffered (a BatchSpanProcessor's) and stop the provider: for a
    process about to leave without the interpreter's exit handlers (`os._exit`)."""
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.force_flush(int(timeout_seconds * 1000))
        provider.shutdown()


def tracing_configured() -> bool:
    return isinstance(trace.get_tracer_provider(), TracerProvider)


def trace_engine(engine: Engine) -> None:
    """A span for every SQL statement `engine` runs, a child of the span it runs in.

    The engines here are made inside libraries too (eventsourcing-sqlalchemy's, bound to
    `create_engine` when it was imported), so the instrumentation's own engine tracer is
    attached to each built engine rather than patched into `create_engine`. Once per engine.
    """
    if not tracing_configured() or engine in _traced_engines:
        return
    _traced_engines.add(engine)
    name = "opentelemetry.instrumentation.sqlalchemy"
    tracer = trace.get_tracer(name, sqlalchemy_instrumentation)
    connections = metrics.get_meter(name, sqlalchemy_instrumentation).create_up_down_counter(
        "db.client.connections.usage", unit="connections"
    )
    EngineTracer(tracer, engine, connections)  # type: ignore[no-untyped-call]
