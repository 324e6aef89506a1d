"""Every error is JSON a person can act on; domain refusals map by their kind."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.errors import DomainError
from service.idempotency import KeyReusedForAnotherRequest
from service.refusals import refusal_body, refusal_status
from workflows.client import StepNotRecorded

logger = logging.getLogger(__name__)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_refusal)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _malformed)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(KeyReusedForAnotherRequest, _key_reused)  # type: ignore[arg-type]
    app.add_exception_handler(StepNotRecorded, _not_recorded)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)


async def _domain_refusal(_: Request, refusal: DomainError) -> JSONResponse:
    return JSONResponse(refusal_body(refusal), status_code=refusal_status(refusal))


async def _malformed(_: Request, error: RequestValidationError) -> JSONResponse:
    problems = [
        f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}"
        for e in error.errors()
    ]
    body = {"detail": "; ".join(problems), "error": "InvalidRequest", "problems": problems}
    return JSONResponse(body, status_code=422)


async def _http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
    body = {"detail": error.detail, "error": _ERROR_NAMES.get(error.status_code, "HTTPError")}
    return JSONResponse(body, status_code=error.status_code, headers=error.headers)


async def _key_reused(_: Request, error: KeyReusedForAnotherRequest) -> JSONResponse:
    return JSONResponse({"detail": str(error), "error": "IdempotencyKeyReused"}, status_code=422)


async def _not_recorded(_: Request, error: StepNotRecorded) -> JSONResponse:
    detail = (
        "The step could not be recorded right now (the workflow service did not answer); "
        "send the same request again, with the same Idempotency-Key: it will not be doubled."
    )
    return JSONResponse({"detail": detail, "error": "StepNotRecorded", "cause": str(error)}, 503)


async def _unexpected(_: Request, error: Exception) -> JSONResponse:
    logger.exception("unexpected error", exc_info=error)
    detail = (
        "Something went wrong on our side. Send the same request again, with the same "
        "Idempotency-Key if you sent one: a step is never recorded twice. If it persists, "
        "tell the programme office."
    )
    return JSONResponse({"detail": detail, "error": "InternalError"}, status_code=500)


_ERROR_NAMES = {
    401: "NotAuthenticated",
    403: "NotPermitted",
    404: "NotFound",
    405: "MethodNotAllowed",
    413: "RequestTooLarge",
}


class BodySizeLimit:
    """Refuse bodies over `limit` bytes with 413, counting as they stream, not trusting headers."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._too_large(send)
            return
        await self.app(scope, self._counting(receive), send)

    def _counting(self, receive: Receive) -> Callable[[], Awaitable[Message]]:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise StarletteHTTPException(413, self._reason())
            return message

        return counted

    def _reason(self) -> str:
        return f"The request body is larger than {self.limit // 1024} KiB; send less data."

    async def _too_large(self, send: Send) -> None:
        response = JSONResponse({"detail": self._reason(), "error": "RequestTooLarge"}, 413)
        await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
