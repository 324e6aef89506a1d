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


def refusal_status(refusal: DomainError) -> int:
    return STATUS_FOR_KIND[refusal.kind]


def refusal_body(refusal: DomainError) -> dict[str, Any]:
    return {"detail": refusal.reason, "error": type(refusal).__name__}
