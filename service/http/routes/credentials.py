"""Signed credentials: the issuer's keys and profile, the status lists, verification (all
public), and a holder's own credential and PDF certificate.

Every answer here is read from the event store (the status lists from its events), so a
delisting shows in the lists and in verification as soon as it is recorded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from domain import policy
from domain.policy import About, Action
from domain.trainer.state import TrainerState
from service.app.accounts import User
from service.app.audit.moments import parse_moment
from service.app.credentials.documents import StatusPurpose
from service.app.credentials.pdf import certificate_pdf
from service.app.credentials.public import CertificateStanding, certificate_standing
from service.app.credentials.verify import Verification
from service.http.deps import Idempotent, ServicesDep, allowed_to
from service.http.parameters import CertificateNumber, TrainerId, moment
from service.http.routes.registry import recorded
from service.http.schemas import refusals
from service.i18n import LANGUAGES, choose_language

router = APIRouter(tags=["credentials"])

Holder = Annotated[User, Depends(allowed_to(Action.DOWNLOAD_CREDENTIAL))]
Reissuers = Annotated[User, Depends(allowed_to(Action.REISSUE_CREDENTIAL))]
JWT_MEDIA_TYPE = "application/vc+jwt"
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such trainer or certificate, or no credential issued yet"}
}


class VerifyRequest(BaseModel):
    credential: str | dict[str, Any] = Field(
        description="The credential as downloaded: the compact JWT, or the JSON "
        "EnvelopedVerifiableCredential that wraps it",
        examples=["eyJhbGciOiJFZERTQSIsImtpZCI6Ii4uLiJ9.eyJ...fQ.c2ln"],
    )


class HeldCredential(BaseModel):
    """A trainer's current credential, signed with the issuer's current key."""

    certificate_number: str
    credential_id: str
    issued_at: datetime
    status: Literal["active", "suspended", "revoked"]
    jwt: str = Field(description="The credential secured as VC-JOSE (typ vc+jwt, EdDSA)")
    credential: dict[str, Any] = Field(description="The OpenBadgeCredential the JWT signs")
    enveloped: dict[str, Any] = Field(description="The JWT as an EnvelopedVerifiableCredential")


@router.get("/.well-known/jwks.json")
def read_issuer_keys(services: ServicesDep) -> dict[str, Any]:
    """The issuer's public keys (JWKS): the current one and every one rotated out."""
    return services.credentials.jwks()


@router.get("/credentials/issuer")
def read_issuer_profile(services: ServicesDep) -> dict[str, Any]:
    """The issuer's Open Badges 3.0 Profile: the id every credential names as its issuer."""
    return services.credentials.issuer.profile()


@router.get(
    "/credentials/status/{purpose}",
    response_class=Response,
    responses={
        200: {
            "description": "The BitstringStatusListCredential, signed (VC-JOSE)",
            "content": {JWT_MEDIA_TYPE: {"schema": {"type": "string"}}},
        }
    },
)
def read_status_list(purpose: StatusPurpose, services: ServicesDep) -> Response:
    """The status list of `purpose` as of now: the bit of a credential's entry is set while
    it is suspended (suspension; revoked credentials too) or revoked (revocation)."""
    signed = services.credentials.status_list(purpose)
    return Response(signed, media_type=JWT_MEDIA_TYPE, headers={"Cache-Control": "no-store"})


@router.post("/verify")
def verify_credential(request: VerifyRequest, services: ServicesDep) -> Verification:
    """Check a credential: signature, issuer, status (valid, suspended, revoked, or unknown
    when its status list cannot be read) and validity dates, each with a reason. Writes
    nothing, so sending it again is always safe."""
    return services.credentials.verify(request.credential)


@router.get("/public/certificates/{number}/standing", responses=NOT_FOUND)
def read_certificate_standing(
    number: CertificateNumber,
    services: ServicesDep,
    on: Annotated[
        str | None, moment("a past date or moment (default: now); a date means its end, UTC")
    ] = None,
) -> CertificateStanding:
    """Whether the holder is listed, their modules and since when; for a delisted holder the
    category of the reason and the date; all as of `on` when given, from the event history."""
    at = parse_moment(on, end_of_day=True) if on is not None else None
    return certificate_standing(services.certification, number, at)


@router.get("/trainers/{trainer_id}/credential", responses=NOT_FOUND)
def download_credential(
    trainer_id: TrainerId, user: Holder, services: ServicesDep
) -> HeldCredential:
    """The trainer's signed Open Badges 3.0 credential, to keep in a wallet or show anyone."""
    policy.require(user.actor, Action.DOWNLOAD_CREDENTIAL, About(trainer_id=trainer_id))
    held = services.credentials.current(trainer_id)
    status = services.credentials.status(held.credential)
    return HeldCredential(
        certificate_number=held.certificate_number,
        credential_id=held.credential.credential_id,
        issued_at=held.credential.issued_at,
        status=status.value,
        jwt=held.jwt,
        credential=held.document,
        enveloped=held.enveloped,
    )


@router.get(
    "/trainers/{trainer_id}/certificate.pdf",
    response_class=Response,
    responses={
        200: {
            "description": "The certificate, printable, with a QR code to its verification",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        },
        **NOT_FOUND,
        **refusals(e409="The holder is not listed now (inactive or removed): no certificate"),
    },
)
def download_certificate_pdf(
    trainer_id: TrainerId,
    user: Holder,
    services: ServicesDep,
    lang: Annotated[
        Literal["en", "fr", "es"] | None,
        Query(description=f"one of {', '.join(LANGUAGES)}; default: the browser's"),
    ] = None,
    accept_language: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """The certificate of competence as a PDF in English, French or Spanish, while its holder
    is listed: a delisted holder is refused (409) with the reason, as paper cannot be
    suspended."""
    policy.require(user.actor, Action.DOWNLOAD_CREDENTIAL, About(trainer_id=trainer_id))
    trainer = services.certification.trainer(trainer_id)
    facts = services.credentials.certificate_facts(trainer)  # refused unless listed
    language = choose_language(lang, accept_language)
    disposition = f'attachment; filename="{facts.certificate_number}-{language}.pdf"'
    return Response(
        certificate_pdf(facts, language),
        media_type="application/pdf",
        headers={"Content-Disposition": disposition},
    )


class ReissuedCredential(BaseModel):
    """The credential issued in place of the one revoked: what it says of its holder now."""

    certificate_number: str
    credential_id: str
    issued_at: datetime
    name: str


def reissued_body(trainer: TrainerState) -> dict[str, Any]:
    credential = trainer.credential
    assert credential is not None and credential.subject is not None, "just issued"
    return {
        "certificate_number": credential.subject.certificate_number,
        "credential_id": credential.credential_id,
        "issued_at": credential.issued_at.isoformat(),
        "name": credential.subject.name,
    }


@router.post(
    "/credentials/{number}/reissue",
    responses={
        200: {"model": ReissuedCredential, "description": "Reissued; the old one revoked"},
        **NOT_FOUND,
        **refusals(
            e403="Only the programme office reissues",
            e409="Nothing to reissue (the credential says what the record says), or the "
            "credential is suspended or revoked",
        ),
    },
)
async def reissue_credential(
    number: CertificateNumber, user: Reissuers, services: ServicesDep, idem: Idempotent
) -> JSONResponse:
    """After a correction of the holder's record (a name, an e-mail), issue a credential that
    says what the record says now, on a new status list entry, and revoke the one in force
    (its entry set in the revocation list for good). A credential keeps what it was issued
    with: a correction alone never changes it. Send it again with the same Idempotency-Key:
    one reissue."""
    return await recorded(
        idem,
        200,
        services.certification.reissue_credential,
        number,
        actor=user.actor,
        answer=reissued_body,
    )
