"""One enrolment, one trace: the HTTP request, the Temporal update, the activity, the INSERT;
and one command id on the API's line, the activity's and the stored event's.

The whole service runs in this process (dev server, worker, projector, API over real HTTP),
observed as every entry point observes itself (`observe`: JSON logs, the tracer provider),
with the same tracing the composition root installs: the FastAPI instrumentation, the
Temporal client's TracingInterceptor (the worker inherits it from the client) and a tracer on
every SQLAlchemy engine; spans go to an in-memory exporter, log lines to a buffer.
"""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from service.adapters.mail import build_notifier
from service.adapters.temporal_dev import DevServer, free_port
from service.adapters.temporal_steps import WorkflowSteps
from service.bootstrap.api import build_services, close_services, traced
from service.bootstrap.parts import build_certification
from service.bootstrap.telemetry import observe, temporal_interceptors
from service.http.main import create_app
from service.telemetry.logs import configure_logging
from tests.e2e.harness import Stack, api_serving, e2e_settings, projector_running
from tests.e2e.people import cast, enrolled
from workflows.activities import CertificationActivities
from workflows.client import JourneyGateway
from workflows.worker import connect, running_worker

pytestmark = [pytest.mark.temporal, pytest.mark.timeout(180)]

EXPORTED = InMemorySpanExporter()
LOGGED = io.StringIO()


@pytest_asyncio.fixture(scope="module")
async def traced_stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    settings = e2e_settings(
        tmp_path_factory.mktemp("traced") / "data", "", None, log_format="json", log_level="INFO"
    )
    observe("api", settings, [SimpleSpanProcessor(EXPORTED)], LOGGED)
    async with DevServer() as temporal:
        settings = settings.model_copy(update={"temporal_address": temporal.address})
        client = await connect(temporal.address, interceptors=temporal_interceptors())
        gateway = JourneyGateway.from_settings(client, settings)
        services = build_services(settings, lambda app: WorkflowSteps(gateway, app))
        worker_app, notifier = build_certification(settings), build_notifier(settings)
        activities = CertificationActivities(worker_app, notifier)
        app = traced(create_app(services))
        try:
            async with (
                running_worker(client, settings.task_queue, activities),
                projector_running(settings),
                api_serving(services, free_port(), app) as url,
            ):
                yield Stack(settings, services, url)
        finally:
            notifier.close()
            worker_app.close()
            close_services(services)
            EXPORTED.shutdown()  # later tests' spans are not kept
            configure_logging("tests", "console", "WARNING")


def spans_of_the_enrolment() -> list[ReadableSpan]:
    spans = EXPORTED.get_finished_spans()
    (request,) = [s for s in spans if s.name == "POST /journeys" and s.parent is None]
    assert request.context is not None
    return [s for s in spans if s.context and s.context.trace_id == request.context.trace_id]


async def test_one_trace_spans_the_request_the_update_the_activity_and_the_insert(
    traced_stack: Stack,
) -> None:
    people = await cast(traced_stack)
    EXPORTED.clear()
    await enrolled(traced_stack, people)
    one_trace = spans_of_the_enrolment()
    names = [s.name for s in one_trace]
    assert any(n.startswith("StartUpdateWithStartWorkflow:") for n in names), names
    assert "HandleUpdate:enrol" in names, names
    assert "RunActivity:enrol" in names, names
    inserts = [s for s in one_trace if str(s.name).startswith("INSERT")]
    assert inserts, names
    activity = next(s for s in one_trace if s.name == "RunActivity:enrol")
    assert activity.context is not None
    assert any(_descends_from(i, activity, one_trace) for i in inserts), "INSERT not under it"
    assert trace.get_tracer_provider() is not None


async def test_one_command_id_is_on_the_api_line_the_activity_line_and_the_stored_events_line(
    traced_stack: Stack,
) -> None:
    people = await cast(traced_stack)
    LOGGED.seek(0)
    LOGGED.truncate()
    await enrolled(traced_stack, people)
    lines = [json.loads(line) for line in LOGGED.getvalue().splitlines() if line.startswith("{")]

    (sent,) = [line for line in lines if line["event"] == "step sent to its workflow"]
    command_id, workflow_id = sent["command_id"], sent["workflow_id"]
    with_it = [line for line in lines if line.get("command_id") == command_id]
    stored = [line for line in with_it if line["event"] == "event stored"]
    (access,) = [
        line
        for line in lines
        if line["logger"] == "score.access" and line["request_id"] == sent["request_id"]
    ]

    assert (access["route"], access["status"]) == ("/journeys", 201)
    assert stored, with_it
    assert {(line["activity"], line["workflow_id"]) for line in stored} == {("enrol", workflow_id)}
    assert {line["trace_id"] for line in [sent, *stored]} == {access["trace_id"]}


def _descends_from(span: ReadableSpan, ancestor: ReadableSpan, spans: list[ReadableSpan]) -> bool:
    by_id = {s.context.span_id: s for s in spans if s.context is not None}
    assert ancestor.context is not None
    parent = span.parent
    while parent is not None:
        if parent.span_id == ancestor.context.span_id:
            return True
        above = by_id.get(parent.span_id)
        parent = above.parent if above is not None else None
    return False
