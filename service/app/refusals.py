"""How a domain refusal is answered over HTTP: one mapping, used everywhere."""

from __future__ import annotations

from typing import Any

from domain.errors import DomainError, RefusalKind

STATUS_FOR_KIND: dict[RefusalKind, int] = {
    "conflict": 409,
    "invalid": 422,
    "forbidden": 403,
    "not_found": 404,
}

# "Wait and resend" is not a rule's answer: 503 tells the client (and any proxy) that the
# same request will do once the record is free, which a 409 would not.
TRY_AGAIN_STATUS = 503
# The contention behind a transient refusal (another step in flight, a run renewing itself,
# optimistic-concurrency retries) settles within a second or so.
RETRY_AFTER_SECONDS = 1


def refusal_status(refusal: DomainError) -> int:
    return TRY_AGAIN_STATUS if refusal.transient else STATUS_FOR_KIND[refusal.kind]


def refusal_headers(refusal: DomainError) -> dict[str, str]:
    return {"Retry-After": str(RETRY_AFTER_SECONDS)} if refusal.transient else {}


def refusal_body(refusal: DomainError) -> dict[str, Any]:
    body: dict[str, Any] = {
        "detail": refusal.reason,
        "error": type(refusal).__name__,
        # For a reader's own language: the refusal's stable code and what its reason names.
        "code": refusal.code,
        "params": refusal.params,
    }
    if refusal.kind == "invalid":
        body["problems"] = [refusal.reason]  # every 422 has the same shape, whoever refused
    return body
