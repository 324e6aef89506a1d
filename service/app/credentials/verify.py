"""Verifying a presented credential: signature, issuer, status, validity dates, with reasons.

Accepted as presented: the compact JWT (VC-JOSE), the W3C `EnvelopedVerifiableCredential`
that wraps it (`id: data:application/vc+jwt,<jwt>`), or `{"credential": <either>}`. A
credential without a proof cannot be verified, and only an Open Badges credential is one: a JWT
typed otherwise, or signed content that is not an `OpenBadgeCredential` (a status list, say),
is refused as "not a credential". The status is read from the status lists the
credential names; a list that cannot be read makes the status "unknown", never "valid".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import jwt

from service.app.credentials.documents import Issuer
from service.app.credentials.jose import bare_kid, jwks_url, without_registered_claims
from service.app.credentials.keys import IssuerKeys

Status = Literal["valid", "suspended", "revoked", "unknown"]
ENVELOPE_PREFIX = "data:application/vc+jwt,"
JWT_TYPE = "vc+jwt"
CREDENTIAL_TYPE = "OpenBadgeCredential"
NO_DATE_CHECKS: jwt.types.Options = {"verify_nbf": False, "verify_exp": False, "verify_iat": False}


class StatusUnavailable(Exception):
    """The status list could not be read (not ours, unreachable, damaged)."""


class StatusLists(Protocol):
    def is_set(self, list_url: str, index: int) -> bool:
        """Whether entry `index` of the list at `list_url` is set; StatusUnavailable if the
        list cannot be read."""
        ...


@dataclass(frozen=True)
class Verification:
    signature_valid: bool
    issuer_known: bool
    status: Status
    valid_from: datetime | None
    valid_until: datetime | None
    within_validity_period: bool
    verified: bool  # all of the above: the credential may be relied upon now
    reasons: tuple[str, ...]
    credential: dict[str, Any] | None = field(default=None)  # the signed content, if readable


def unwrap(presented: Any) -> str | None:
    """The compact JWT inside what was presented, or None if it carries none."""
    if isinstance(presented, dict) and "credential" in presented and len(presented) == 1:
        presented = presented["credential"]
    if isinstance(presented, dict):
        envelope = presented.get("id")
        if isinstance(envelope, str) and envelope.startswith(ENVELOPE_PREFIX):
            return envelope.removeprefix(ENVELOPE_PREFIX)
        return None
    if isinstance(presented, str):
        return presented.strip()
    return None


class Verifier:
    def __init__(
        self,
        keys: IssuerKeys,
        issuer: Issuer,
        lists: StatusLists,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.keys, self.issuer, self.lists, self.clock = keys, issuer, lists, clock

    def verify(self, presented: Any) -> Verification:
        token = unwrap(presented)
        if token is None:
            return _refused(
                "The credential carries no proof: present the signed credential (the JWT, "
                "or the JSON with type EnvelopedVerifiableCredential) as downloaded."
            )
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            return _refused(f"This is not a signed credential (compact JWT): {error}.")
        if header.get("typ") != JWT_TYPE:
            return _refused(
                f"This is not a credential: its header is typed {header.get('typ')!r}, "
                f"a credential's is {JWT_TYPE!r}."
            )
        key = self.keys.find(bare_kid(self.issuer, str(header.get("kid", ""))))
        if key is None:
            return _refused(
                f"The signing key {header.get('kid')!r} is not one of the issuer's keys "
                f"({jwks_url(self.issuer)})."
            )
        try:
            # The validity dates (nbf, exp) are judged below, with reasons, not refused here.
            claims = jwt.decode(token, key.public, algorithms=["EdDSA"], options=NO_DATE_CHECKS)
        except jwt.PyJWTError as error:
            return _refused(f"The signature does not match the content: {error}.")
        document = without_registered_claims(claims)
        if not _is_open_badge(document):
            return _refused(
                f"This is not a credential: the issuer signed it, but it is a "
                f"{document.get('type')!r}, not an {CREDENTIAL_TYPE}.",
                signature_valid=True,
            )
        return self._judge(document)

    def _judge(self, document: dict[str, Any]) -> Verification:
        reasons: list[str] = ["The signature is valid (EdDSA, Ed25519)."]
        issuer_id = _issuer_id(document)
        known = issuer_id == self.issuer.id
        reasons.append(
            f"Issued by {self.issuer.name}."
            if known
            else f"The issuer {issuer_id!r} is not {self.issuer.id}."
        )
        valid_from, valid_until = _moment(document, "validFrom"), _moment(document, "validUntil")
        now = self.clock()
        in_period = (valid_from is not None and valid_from <= now) and (
            valid_until is None or now < valid_until
        )
        if valid_from is None:
            reasons.append("The credential has no readable validFrom.")
        elif not in_period:
            reasons.append(f"Valid from {valid_from:%Y-%m-%d} until {valid_until}; not now.")
        status, why = self._status(document) if known else ("unknown", "Unknown issuer.")
        reasons.append(why)
        return Verification(
            signature_valid=True,
            issuer_known=known,
            status=status,
            valid_from=valid_from,
            valid_until=valid_until,
            within_validity_period=in_period,
            verified=known and in_period and status == "valid",
            reasons=tuple(reasons),
            credential=document,
        )

    def _status(self, document: dict[str, Any]) -> tuple[Status, str]:
        entry = document.get("credentialStatus")
        if not isinstance(entry, dict):
            return "unknown", "The credential names no status list."
        try:
            index = int(entry["statusListIndex"])
            url = str(entry["statusListCredential"])
            suspended = self.lists.is_set(url, index)
            revoked = self.lists.is_set(self.issuer.status_list_url("revocation"), index)
        except (KeyError, ValueError, TypeError):
            return "unknown", "The credential's status entry cannot be read."
        except StatusUnavailable as error:
            return "unknown", f"The status list cannot be read ({error}); status unknown."
        if revoked:
            return "revoked", "Revoked by the issuer: the trainer was removed for cause."
        if suspended:
            return "suspended", "Suspended: the trainer is not on the public list now."
        return "valid", "Not suspended or revoked: the trainer is listed."


def _is_open_badge(document: dict[str, Any]) -> bool:
    kinds = document.get("type")
    return isinstance(kinds, list) and CREDENTIAL_TYPE in kinds


def _refused(reason: str, signature_valid: bool = False) -> Verification:
    return Verification(
        signature_valid=signature_valid,
        issuer_known=False,
        status="unknown",
        valid_from=None,
        valid_until=None,
        within_validity_period=False,
        verified=False,
        reasons=(reason,),
    )


def _issuer_id(document: dict[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _moment(document: dict[str, Any], name: str) -> datetime | None:
    value = document.get(name)
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
