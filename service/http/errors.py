"""Every error is JSON a person can act on; domain refusals map by their kind."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any
from urllib.parse import unquote_to_bytes

from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.errors import DomainError
from domain.text import first_control_character
from service.app.idempotency import KeyReusedForAnotherRequest
from service.app.refusals import RETRY_AFTER_SECONDS, refusal_body, refusal_headers, refusal_status
from service.http.field_errors import field_problem
from service.i18n import choose_language
from workflows.client import StepNotRecorded

logger = logging.getLogger(__name__)


class Problem(BaseModel):
    """Every error answer: what went wrong, in words a person can act on, and its kind."""

    detail: str = Field(description="What went wrong and what to do about it")
    error: str = Field(description="The kind of error, e.g. NotFound, StepOutOfOrder, TryAgain")
    code: str | None = Field(
        None,
        description="A domain refusal's stable code (e.g. step_out_of_order, "
        "visit_before_classroom): what to translate `detail` by",
    )
    params: dict[str, str | int | float] | None = Field(
        None, description="What the refusal's sentence names (dates as ISO text)"
    )


class InvalidRequest(Problem):
    """A request that is malformed (422): `problems` names each field that is wrong."""

    problems: list[str] = Field(
        default_factory=list, description="One line per problem: `<where>: <what is wrong>`"
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_refusal)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _malformed)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(KeyReusedForAnotherRequest, _key_reused)  # type: ignore[arg-type]
    app.add_exception_handler(StepNotRecorded, _not_recorded)  # type: ignore[arg-type]
    for outage in DATABASE_OUT_OF_REACH:
        app.add_exception_handler(outage, _database_out_of_reach)
    app.add_exception_handler(Exception, _unexpected)


async def _domain_refusal(_: Request, refusal: DomainError) -> JSONResponse:
    return JSONResponse(
        refusal_body(refusal), status_code=refusal_status(refusal), headers=refusal_headers(refusal)
    )


def invalid_request(problems: list[str]) -> JSONResponse:
    body = InvalidRequest(detail="; ".join(problems), error="InvalidRequest", problems=problems)
    return JSONResponse(body.model_dump(), status_code=422)


async def _malformed(request: Request, error: RequestValidationError) -> JSONResponse:
    """Each field's problem in the language the request accepts (English by default)."""
    language = choose_language(None, request.headers.get("accept-language"))
    return invalid_request([_problem(e, language) for e in error.errors()])


def _problem(error: dict[str, Any], language: str) -> str:
    if error["type"] == "json_invalid":  # its location is a character offset in the body
        return f"body: is not valid JSON ({error['ctx']['error']} at character {error['loc'][-1]})"
    field = ".".join(str(p) for p in error["loc"] if p != "body") or "body"
    return f"{field}: {field_problem(error, language)}"


async def _http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
    body = {"detail": error.detail, "error": _ERROR_NAMES.get(error.status_code, "HTTPError")}
    return JSONResponse(body, status_code=error.status_code, headers=error.headers)


async def _key_reused(_: Request, error: KeyReusedForAnotherRequest) -> JSONResponse:
    body = {"detail": str(error), "error": "IdempotencyKeyReused", "problems": [str(error)]}
    return JSONResponse(body, status_code=422)


async def _not_recorded(_: Request, error: StepNotRecorded) -> JSONResponse:
    detail = (
        "The step could not be recorded right now (the workflow service did not answer); "
        "send the same request again, with the same Idempotency-Key: it will not be doubled."
    )
    return JSONResponse(
        {"detail": detail, "error": "StepNotRecorded", "cause": str(error)},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


# A connection refused, dropped mid-transaction or a database locked for too long: nothing
# was written, and the same request will work once the database answers again.
DATABASE_OUT_OF_REACH: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    StoreOperationalError,
    StoreInterfaceError,
)


async def _database_out_of_reach(_: Request, error: Exception) -> JSONResponse:
    logger.warning("the database did not answer: %s", error)
    detail = (
        "The database did not answer just now; nothing was recorded. Send the same request "
        "again in a moment (with the same Idempotency-Key if you sent one)."
    )
    return JSONResponse(
        {"detail": detail, "error": "Unavailable"},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def _unexpected(_: Request, error: Exception) -> JSONResponse:
    logger.exception("unexpected error", exc_info=error)
    detail = (
        "Something went wrong on our side. Send the same request again, with the same "
        "Idempotency-Key if you sent one: a step is never recorded twice. If it persists, "
        "tell the programme office."
    )
    return JSONResponse({"detail": detail, "error": "InternalError"}, status_code=500)


_ERROR_NAMES = {
    400: "BadRequest",
    401: "NotAuthenticated",
    403: "NotPermitted",
    404: "NotFound",
    405: "MethodNotAllowed",
    413: "RequestTooLarge",
    429: "TooManyRequests",
    503: "Unavailable",
}


class BodySizeLimit:
    """Refuse bodies over `limit` bytes with 413, counting as they stream, not trusting headers.

    `larger` gives paths (by prefix) a limit of their own: uploads of training materials.
    """

    def __init__(self, app: ASGIApp, limit: int, larger: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.larger = dict(larger or {})

    def _limit_for(self, scope: Scope) -> int:
        path: str = scope.get("path", "")
        return next((n for prefix, n in self.larger.items() if path.startswith(prefix)), self.limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(send, limit)
            return
        await self.app(scope, self._counting(receive, limit), send)

    def _counting(self, receive: Receive, limit: int) -> Callable[[], Awaitable[Message]]:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise StarletteHTTPException(413, self._reason(limit))
            return message

        return counted

    @staticmethod
    def _reason(limit: int) -> str:
        size = f"{limit // 2**20} MiB" if limit >= 2**20 else f"{limit // 1024} KiB"
        return f"The request body is larger than {size}; send less data."

    async def _too_large(self, send: Send, limit: int) -> None:
        body = {"detail": self._reason(limit), "error": "RequestTooLarge"}
        response = JSONResponse(body, 413)
        await response({"type": "http"}, _no_receive, send)


class UrlTextGuard:
    """Refuse a path or query that decodes to control characters (422) or to bytes that are
    not UTF-8 (400), before any route, dependency or database sees it.

    No identifier, date, name or country holds a control character, and PostgreSQL cannot
    even compare text with a NUL in it: checked here once, no endpoint can forget it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            found = list(_url_problems(scope))
            if found:
                await _refuse_url(found, send)
                return
        await self.app(scope, receive, send)


# (problem, whether it is an encoding problem) for each bad part of the URL.
_UrlProblem = tuple[str, bool]


def _url_problems(scope: Scope) -> Iterator[_UrlProblem]:
    raw_path: bytes | None = scope.get("raw_path")
    path = raw_path if raw_path is not None else scope["path"].encode("utf-8", "surrogatepass")
    yield from _text_problems("path", unquote_to_bytes(path))
    for pair in scope.get("query_string", b"").split(b"&"):
        raw_name, _, raw_value = pair.partition(b"=")
        name = unquote_to_bytes(raw_name.replace(b"+", b" "))
        value = unquote_to_bytes(raw_value.replace(b"+", b" "))
        shown = "query." + _printable(name.decode("utf-8", "replace"))
        yield from _text_problems(f"{shown} (its name)", name)
        yield from _text_problems(shown, value)


def _text_problems(where: str, raw: bytes) -> Iterator[_UrlProblem]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        yield f"{where}: is not valid UTF-8 once percent-decoded; send text as UTF-8", True
        return
    found = first_control_character(text)
    if found is not None:
        position, name = found
        yield (
            f"{where}: contains the control character {name} at position {position}; "
            "no identifier, date or text here holds one, remove it",
            False,
        )


def _printable(text: str) -> str:
    return "".join(f"\\x{ord(c):02x}" if unicodedata.category(c) == "Cc" else c for c in text)


async def _refuse_url(found: list[_UrlProblem], send: Send) -> None:
    problems = [problem for problem, _ in found]
    if any(encoding for _, encoding in found):
        response = JSONResponse({"detail": "; ".join(problems), "error": "BadRequest"}, 400)
    else:
        response = invalid_request(problems)
    await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
