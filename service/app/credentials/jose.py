"""The JWT around a signed document, per Open Badges 3.0 §8.2 (JSON Web Token proof format):
the registered claims it names (`iss`, `jti`, `nbf`, `exp`, `sub`) beside the document's own
properties, and a `kid` that is a URI into the issuer's JWKS (`<base>/.well-known/jwks.json#<kid>`).

Credentials signed before carry the bare kid; both forms name the same key, and the JWKS
publishes each key under both, so every credential ever issued finds its key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from service.app.credentials.documents import Issuer

# The JWT claims the signature adds: not part of the credential the document describes.
REGISTERED_CLAIMS = frozenset({"iss", "jti", "nbf", "exp", "sub"})


def registered_claims(document: dict[str, Any]) -> dict[str, Any]:
    """The claims OB 3.0 §8.2.4 derives from the document, those it has the source of."""
    issuer = document.get("issuer")
    subject = document.get("credentialSubject")
    claims: dict[str, Any] = {
        "iss": issuer.get("id") if isinstance(issuer, dict) else issuer,
        "jti": document.get("id"),
        "nbf": _numeric_date(document.get("validFrom")),
        "exp": _numeric_date(document.get("validUntil")),
        "sub": subject.get("id") if isinstance(subject, dict) else None,
    }
    return {name: value for name, value in claims.items() if value is not None}


def without_registered_claims(claims: dict[str, Any]) -> dict[str, Any]:
    """The signed document as the issuer wrote it."""
    return {name: value for name, value in claims.items() if name not in REGISTERED_CLAIMS}


def key_uri(issuer: Issuer, kid: str) -> str:
    return f"{jwks_url(issuer)}#{kid}"


def bare_kid(issuer: Issuer, kid: str) -> str:
    """The key's own id, from either form of a header's kid."""
    return kid.removeprefix(f"{jwks_url(issuer)}#")


def jwks_url(issuer: Issuer) -> str:
    return f"{issuer.base_url}/.well-known/jwks.json"


def _numeric_date(value: object) -> int | None:
    """An RFC 7519 NumericDate (seconds since the epoch) from an XML Schema dateTime."""
    if not isinstance(value, str):
        return None
    try:
        return int(datetime.fromisoformat(value).timestamp())
    except ValueError:
        return None
