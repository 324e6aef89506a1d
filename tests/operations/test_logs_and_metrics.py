"""What an operator sees of a request: its id, its access-log line, its route's metrics."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import structlog
from prometheus_client.parser import text_string_to_metric_families
from temporalio.testing import ActivityEnvironment

from domain.values import Module
from service.app.webhooks.outbox import collect, unstarted
from service.app.webhooks.sending import DeliveryFailed
from service.app.webhooks.store import Webhooks
from service.bootstrap.parts import build_certification
from service.http.main import create_app
from service.settings import Settings
from service.storage.database import create_service_engine
from service.telemetry.logs import LogFormat, configure_logging
from service.telemetry.metrics import Reading, register_readings
from tests.migrated import migrated
from tests.stories import Story
from tests.workflows.test_webhook_delivery import Receiver, free_port, serving
from workflows.webhook_activities import WebhookActivities


@contextmanager
def logging_as(process: str, log_format: LogFormat, stream: io.StringIO) -> Iterator[None]:
    """The process's logging for one test, then the test run's own back as it was."""
    root = logging.getLogger()
    handlers, level, config = root.handlers[:], root.level, structlog.get_config()
    configure_logging(process, log_format, "INFO", stream)
    try:
        yield
    finally:
        root.handlers, root.level = handlers, level
        structlog.configure(**config)


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    with logging_as("api", "json", stream):
        yield stream


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


async def ask(path: str, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
        return await http.get(path, headers=headers)


async def test_a_request_gets_an_id_in_its_answer_and_in_its_access_log_line(
    json_log: io.StringIO,
) -> None:
    reply = await ask("/no-such-page")
    request_id = reply.headers["X-Request-ID"]
    (access,) = [line for line in lines(json_log) if line.get("logger") == "score.access"]
    assert len(request_id) == 32
    assert access["request_id"] == request_id
    assert access["status"] == 404 and access["process"] == "api"
    assert access["route"] == "unmatched" and access["timestamp"]


async def test_a_proxys_request_id_is_kept_and_a_dangerous_one_replaced(
    json_log: io.StringIO,
) -> None:
    kept = await ask("/metrics", **{"X-Request-ID": "lb-7f3a.42"})
    replaced = await ask("/metrics", **{"X-Request-ID": "x" * 200})
    assert kept.headers["X-Request-ID"] == "lb-7f3a.42"
    assert replaced.headers["X-Request-ID"] != "x" * 200


async def test_metrics_count_each_route_by_its_template_and_status() -> None:
    await ask("/no-such-page")
    scraped = (await ask("/metrics")).text
    assert 'score_http_requests_total{method="GET",route="unmatched",status="404"}' in scraped
    assert "score_http_request_duration_seconds_bucket" in scraped
    assert "score_event_store_append_seconds" in scraped  # declared before the first append


async def test_a_reading_is_taken_when_scraped_and_left_out_when_it_has_nothing() -> None:
    depth = {"value": 3.0}
    unregister = register_readings(
        [
            Reading("score_test_depth", "a test's gauge", lambda: depth["value"]),
            Reading("score_test_nothing", "nothing to say", lambda: None),
        ]
    )
    try:
        depth["value"] = 5.0
        scraped = (await ask("/metrics")).text
    finally:
        unregister()
    assert "score_test_depth 5.0" in scraped
    assert "score_test_nothing " not in scraped


def samples(scraped: str, name: str) -> dict[str, float]:
    """A metric's samples in a scrape, keyed by their `outcome` label."""
    return {
        sample.labels.get("outcome", ""): sample.value
        for family in text_string_to_metric_families(scraped)
        for sample in family.samples
        if sample.name == name
    }


async def test_a_webhook_refused_then_accepted_counts_one_failed_and_one_delivered_attempt(
    tmp_path: Path,
) -> None:
    settings = migrated(Settings(data_dir=tmp_path / "data"))
    app, engine = build_certification(settings), create_service_engine(settings)
    webhooks, port = Webhooks(engine, allow_private=True), free_port()  # a local receiver
    webhooks.subscribe(f"http://127.0.0.1:{port}/hooks", ("certificate.issued",), "office")
    story = Story(app)
    story.certified_in(Module.WC, story.register_candidate("Asha Rao"), story.register_expert())
    assert collect(app, webhooks) == 1
    ((webhook, _),) = unstarted(webhooks)
    before = await ask("/metrics")

    deliver = WebhookActivities(webhooks).deliver_webhook
    attempt = ActivityEnvironment()
    with serving(Receiver(), port):  # it answers its first request 503, the next 204
        with pytest.raises(DeliveryFailed):
            attempt.run(deliver, webhook)
        attempt.info = replace(attempt.info, attempt=2)
        assert attempt.run(deliver, webhook) == 204
    after = await ask("/metrics")
    app.close()
    engine.dispose()

    counted = [samples(r.text, "score_webhook_delivery_attempts_total") for r in (before, after)]
    assert {k: counted[1][k] - counted[0][k] for k in counted[1]} == {
        "delivered": 1.0,
        "failed": 1.0,
    }
    timed = [samples(r.text, "score_webhook_delivery_seconds_count") for r in (before, after)]
    assert timed[1]["delivered"] - timed[0]["delivered"] == 1.0


def test_a_line_written_with_a_bound_workflow_and_command_carries_both(
    json_log: io.StringIO,
) -> None:
    with structlog.contextvars.bound_contextvars(workflow_id="journey-x", command_id="c-1"):
        structlog.get_logger("service.app.certification").info("event stored", version=3)
        logging.getLogger("temporalio").warning("a library's line")  # same shape
    ours, library = lines(json_log)
    assert ours["workflow_id"] == library["workflow_id"] == "journey-x"
    assert ours["command_id"] == library["command_id"] == "c-1"
    assert ours["event"] == "event stored" and library["event"] == "a library's line"


def test_readable_lines_locally() -> None:
    stream = io.StringIO()
    with logging_as("worker", "console", stream):
        structlog.get_logger("x").info("worker polling", task_queue="q")
    line = stream.getvalue()
    assert "worker polling" in line and "task_queue=q" in line and not line.startswith("{")


def test_a_failure_is_logged_with_its_plain_traceback_and_never_the_values_of_its_locals() -> None:
    stream = io.StringIO()
    with logging_as("projector", "console", stream):
        e_mail = "asha@example.org"  # what a frame's locals may hold: personal data
        try:
            raise ValueError(f"cannot project an event of {len(e_mail)} characters")
        except ValueError:
            structlog.get_logger("x").exception("projector: stuck")
    written = stream.getvalue()
    assert "Traceback (most recent call last)" in written and "ValueError" in written
    assert "asha@example.org" not in written
