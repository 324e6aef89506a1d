"""Each HTTP request observed: a request id, an access-log line, and its route's metrics.

The request id comes from the caller's `X-Request-ID` (a proxy's, or a client's that wants
to find its request in the logs) when it is a plain token, or is made here; it is bound to
every log line written while the request is served (the workflow id and the command id of a
step join it in `workflows.client`) and sent back in the answer's `X-Request-ID`.
Metrics are labelled by the route's template (`/journeys/{journey_id}/steps`), never by the
path itself, which would make one series per journey.
"""

from __future__ import annotations

import re
import time
import uuid

import structlog
from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.telemetry.metrics import HTTP_LATENCY, HTTP_REQUESTS

REQUEST_ID_HEADER = "X-Request-ID"
_PLAIN_TOKEN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
UNMATCHED = "unmatched"  # refused before routing (a bad URL) or no such route: one series

access_log = structlog.get_logger("score.access")


class RequestObservation:
    """Outermost middleware: sees every request, those refused by the others included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        status = 500  # what the client sees if the app fails before it answers

        async def answering(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        started = time.perf_counter()
        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, answering)
            finally:
                _observed(scope, status, time.perf_counter() - started)


KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            given: str = value.decode("latin-1")
            if _PLAIN_TOKEN.fullmatch(given):
                return given
    return uuid.uuid4().hex


def _observed(scope: Scope, status: int, seconds: float) -> None:
    route = getattr(scope.get("route"), "path", UNMATCHED)
    # The method is the client's own text: any other than HTTP's is one label, not a series each.
    method = scope["method"] if scope["method"] in KNOWN_METHODS else "OTHER"
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_LATENCY.labels(method, route).observe(seconds)
    access_log.info(
        "request",
        method=method,
        route=route,
        path=scope["path"] if route != UNMATCHED else None,
        status=status,
        duration_ms=round(seconds * 1000, 1),
        client=(scope.get("client") or ("", 0))[0],
    )


async def metrics(_: Request) -> Response:
    """Prometheus's scrape: this process's metrics (no personal data: route templates only)."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def observe_requests(app: FastAPI) -> None:
    """Serve /metrics (outside the OpenAPI document: operators', not users', endpoint) and
    observe every request; call it last, so that the observation wraps every middleware."""
    app.add_route("/metrics", metrics, methods=["GET"], include_in_schema=False)
    app.add_middleware(RequestObservation)
