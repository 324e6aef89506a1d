"""The credentials a trainer downloads, the lists anyone reads, and verification: one service.

Web pages and JSON endpoints call these functions; none of them writes anything, except
`issue_missing`, which records (once, by command id) the credential of a trainer certified
before credentials existed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt

from domain.errors import DomainError, NotFound
from domain.trainer.state import Credential, CredentialStatus, Listing, TrainerState
from service.app.certification import Certification
from service.app.credentials.documents import (
    STATUS_PURPOSES,
    Issuer,
    StatusPurpose,
    open_badge_credential,
    status_list_credential,
)
from service.app.credentials.jose import key_uri, registered_claims
from service.app.credentials.keys import IssuerKeys
from service.app.credentials.pdf import CertificateFacts
from service.app.credentials.status import StatusBoard
from service.app.credentials.verify import (
    ENVELOPE_PREFIX,
    JWT_TYPE,
    StatusUnavailable,
    Verification,
    Verifier,
)


@dataclass(frozen=True)
class IssuedCredential:
    """A trainer's current credential: the signed JWT and the document it signs."""

    jwt: str
    document: dict[str, Any]
    credential: Credential
    certificate_number: str

    @property
    def enveloped(self) -> dict[str, Any]:
        """The JWT as a W3C `EnvelopedVerifiableCredential`: JSON a wallet can store."""
        return {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": ENVELOPE_PREFIX + self.jwt,
            "type": "EnvelopedVerifiableCredential",
        }


class HolderNotListed(DomainError):
    """A delisted holder asked for a printed certificate, which would say they are certified
    with nothing on paper to say otherwise: refused, as the public list no longer shows them."""


NOT_LISTED_BECAUSE = {
    Listing.INACTIVE: "delisted for inactivity (no training record within the programme's "
    "inactivity period); the next training record lists them again",
    Listing.REMOVED: "removed from the list by the programme office",
}


class BoardLists:
    """The status lists of this issuer, read from the event store's own fold."""

    def __init__(self, board: StatusBoard, issuer: Issuer) -> None:
        self.board, self.issuer = board, issuer

    def is_set(self, list_url: str, index: int) -> bool:
        for purpose in STATUS_PURPOSES:
            if list_url == self.issuer.status_list_url(purpose):
                return index in self.board.set_bits(purpose)
        raise StatusUnavailable(f"{list_url} is not a status list of this issuer")


class Credentials:
    def __init__(
        self,
        app: Certification,
        keys: IssuerKeys,
        issuer: Issuer,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.app, self.keys, self.issuer, self.clock = app, keys, issuer, clock
        self.board = StatusBoard(app)
        self.verifier = Verifier(keys, issuer, BoardLists(self.board, issuer), clock)

    def current(self, trainer_id: str) -> IssuedCredential:
        """The trainer's current credential, signed with the current key; NotFound if none."""
        trainer = self.app.trainer(trainer_id)
        return self.of(trainer)

    def of(self, trainer: TrainerState) -> IssuedCredential:
        credential = trainer.credential
        if credential is None or trainer.certificate_number is None:
            raise NotFound(f"{trainer.name} holds no signed credential (not certified yet).")
        document = open_badge_credential(self.issuer, trainer, credential)
        return IssuedCredential(
            self.sign(document), document, credential, trainer.certificate_number
        )

    def certificate_facts(self, trainer: TrainerState) -> CertificateFacts:
        """What the printed certificate says: only while the holder is listed (a PDF cannot
        be suspended), else HolderNotListed; NotFound until certified."""
        held = self.of(trainer)
        if not trainer.listed and trainer.standing is not None:
            why = NOT_LISTED_BECAUSE[trainer.standing.listing]
            raise HolderNotListed(
                f"{trainer.name} is not on the public list now ({why}), so no certificate "
                f"saying they are certified can be printed. The public page "
                f"{self.issuer.verification_url(held.certificate_number)} shows why.",
                params={"listing": trainer.standing.listing.value},
            )
        return CertificateFacts(
            name=trainer.name,
            certificate_number=held.certificate_number,
            modules=trainer.certified_modules,
            certified_at=trainer.certified_at or held.credential.issued_at,
            verification_url=self.issuer.verification_url(held.certificate_number),
        )

    def status(self, credential: Credential) -> CredentialStatus:
        return self.board.status(credential.status_index)

    def status_list(self, purpose: StatusPurpose) -> str:
        """The purpose's BitstringStatusListCredential, signed, as of now."""
        bits = self.board.set_bits(purpose)
        return self.sign(status_list_credential(self.issuer, purpose, bits, self.clock()))

    def verify(self, presented: Any) -> Verification:
        return self.verifier.verify(presented)

    def jwks(self) -> dict[str, Any]:
        """Every key, under its kid URI (what is signed now) and its bare kid (before)."""
        published = self.keys.jwks()["keys"]
        as_uri = [{**jwk, "kid": key_uri(self.issuer, jwk["kid"])} for jwk in published]
        return {"keys": as_uri + published}

    def sign(self, document: dict[str, Any]) -> str:
        """VC-JOSE: the document is the JWT's claim set, typed vc+jwt, signed with EdDSA, with
        the registered claims OB 3.0 asks for beside it (jose.py)."""
        key = self.keys.current
        headers = {"kid": key_uri(self.issuer, key.kid), "typ": JWT_TYPE, "cty": "vc"}
        claims = {**document, **registered_claims(document)}
        return jwt.encode(claims, key.private, algorithm="EdDSA", headers=headers)

    def issue_missing(self, trainer_id: str, command_id: str) -> TrainerState:
        """Issue the credential of a trainer certified before 0.2 (nothing if in line)."""
        return self.app.settle_credential(trainer_id, command_id, self.clock()).state
