"""Turning a stored (or fresh) outcome into an HTTP response."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from service.app.idempotency import StoredResponse


def respond(outcome: StoredResponse) -> JSONResponse:
    return JSONResponse(outcome.body, status_code=outcome.status_code)
