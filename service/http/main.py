"""The FastAPI application: routers, error handlers, the body-size limit."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import Lifespan

from service.app.materials import MAX_MATERIAL_BYTES
from service.http.deps import Services
from service.http.documentation import document_every_answer
from service.http.errors import BodySizeLimit, UrlTextGuard, install_error_handlers
from service.http.observe import observe_requests
from service.http.routes import (
    audit,
    auth,
    credentials,
    health,
    imports,
    journeys,
    logins,
    materials,
    office,
    policies,
    public,
    reads,
    registry,
    standing,
    webhooks,
)

MAX_BODY_BYTES = 64 * 1024

DESCRIPTION = """
Certification of ILO SCORE trainers: every candidate's journey from the ToT workshop to a
certificate, and every certified trainer's standing afterwards.

* **Steps** go through each journey's Temporal workflow; a step that is not allowed now is
  refused with **409** and a `detail` that says why, and nothing is written. Steps sent
  together on one journey wait their turn and are applied one after another; one that finds
  eight already waiting (or the record renewing itself) is answered **503** with
  `Retry-After`: send the same request again after that many seconds (it is not a refusal,
  and is never kept as the answer of its `Idempotency-Key`).
* **Reads** come from read models fed by the event store.
* Every **POST** accepts an `Idempotency-Key` header: a retry returns the first response.
* Errors are always JSON `{detail, error}` (`Problem`); a 422 adds `problems`, one line per
  field (`InvalidRequest`). 400 a URL or body that is not UTF-8 or cannot be parsed,
  401 no valid token, 403 wrong role or not your candidate, 404 unknown id, 409 not allowed
  now, 413 body too large, 422 malformed input (a control character in a path or query
  included), 429 too many attempts and 503 busy (both with `Retry-After`), 500 our error.
"""


def create_app(
    services: Services | None = None, lifespan: Lifespan[FastAPI] | None = None
) -> FastAPI:
    """The app; `services` now (tests), or set on app.state by `lifespan` at start-up."""
    app = FastAPI(
        title="SCORE trainer certification",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    if services is not None:
        app.state.services = services
    install_error_handlers(app)
    for router in (
        health.router,
        auth.router,
        public.router,
        registry.router,
        journeys.router,
        standing.router,
        reads.router,
        audit.router,
        credentials.router,
        webhooks.router,
        imports.router,
        policies.router,
        logins.router,
        office.router,
        materials.router,
    ):
        app.include_router(router)
    # Training materials are uploaded whole: their own, larger limit.
    app.add_middleware(
        BodySizeLimit,
        limit=MAX_BODY_BYTES,
        larger={"/materials/": MAX_MATERIAL_BYTES, "/office/materials": MAX_MATERIAL_BYTES},
    )
    app.add_middleware(UrlTextGuard)  # nothing below sees a bad URL
    observe_requests(app)  # outermost: request id, access log and metrics for every request
    document_every_answer(app)
    return app
