"""The documents the issuer signs and publishes, per Open Badges 3.0 and the W3C specs.

- the trainer's `OpenBadgeCredential` (a W3C Verifiable Credential 2.0): the achievement
  "SCORE certified trainer" with the modules held, the trainer named and identified by a
  salted SHA-256 hash of their e-mail (an OB 3.0 `IdentityObject`), `validFrom`, and a
  `credentialStatus` entry in the issuer's Bitstring Status List;
- the issuer's `Profile`, at a stable URL;
- the `BitstringStatusListCredential`s, one per purpose (suspension, revocation).

Everything here is built from the event-sourced state alone, so the same state always gives
the same document: a credential is signed when it is downloaded, never stored twice. What a
credential says of its holder (name, certificate number, hashed e-mail) is what its
`CredentialIssued` event recorded, so a later correction of the record does not change it;
only a credential issued before 0.3 (v1 events, which recorded none) follows the record.
"""

from __future__ import annotations

import base64
import gzip
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlencode

from domain.trainer.credentials import identity_hash, identity_salt
from domain.trainer.state import Credential, IssuedSubject, TrainerState
from domain.values import MODULE_TITLES, Module

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
StatusPurpose = Literal["suspension", "revocation"]
STATUS_PURPOSES: tuple[StatusPurpose, ...] = ("suspension", "revocation")
# The W3C spec's minimum: 16 KiB of bits, so that one entry hides among many (herd privacy).
STATUS_LIST_BITS = 131_072


@dataclass(frozen=True)
class Issuer:
    """The programme office as issuer, and the URLs it publishes under `base_url`."""

    base_url: str
    name: str = "ILO SCORE programme (International Labour Organization)"
    homepage: str = "https://www.ilo.org/score"

    @property
    def id(self) -> str:
        return f"{self.base_url}/credentials/issuer"

    @property
    def achievement_id(self) -> str:
        return f"{self.base_url}/credentials/achievements/score-certified-trainer"

    def status_list_url(self, purpose: StatusPurpose) -> str:
        return f"{self.base_url}/credentials/status/{purpose}"

    def verification_url(self, certificate_number: str) -> str:
        """The web page a person reads (the printed certificate's QR code leads there)."""
        return f"{self.base_url}/verify?{urlencode({'number': certificate_number})}"

    def profile(self) -> dict[str, Any]:
        return {
            "@context": [VC_CONTEXT, OB_CONTEXT],
            "id": self.id,
            "type": ["Profile"],
            "name": self.name,
            "url": self.homepage,
            "description": "Certifies the trainers of the SCORE programme (Sustaining "
            "Competitive and Responsible Enterprises).",
        }


def open_badge_credential(
    issuer: Issuer, trainer: TrainerState, credential: Credential
) -> dict[str, Any]:
    """The trainer's credential as issued: the modules and the holder it was issued for, not
    today's (a credential of 0.2, with no recorded subject: the holder as recorded now)."""
    modules = ", ".join(MODULE_TITLES[m] for m in credential.modules)
    subject = credential.subject or IssuedSubject(
        trainer.name,
        trainer.certificate_number or "",
        identity_hash(trainer.email, credential.credential_id),
    )
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "SCORE certified trainer",
        "issuer": {"id": issuer.id, "type": ["Profile"], "name": issuer.name},
        "validFrom": _instant(credential.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": subject.name,
            "identifier": [_hashed_email(subject.identity_hash, credential)],
            "achievement": _achievement(issuer, credential.modules),
            "licenseNumber": subject.certificate_number,
            "narrative": f"Certified SCORE trainer in: {modules}.",
        },
        "credentialStatus": status_entry(issuer, "suspension", credential.status_index),
    }


def status_entry(issuer: Issuer, purpose: StatusPurpose, index: int) -> dict[str, Any]:
    url = issuer.status_list_url(purpose)
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def status_list_credential(
    issuer: Issuer, purpose: StatusPurpose, set_bits: frozenset[int], now: datetime
) -> dict[str, Any]:
    url = issuer.status_list_url(purpose)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.id,
        "validFrom": _instant(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_bits(set_bits),
        },
    }


def encode_bits(set_bits: frozenset[int], size: int = STATUS_LIST_BITS) -> str:
    """The spec's encoding: index 0 is the first byte's highest bit; GZIP; multibase
    base64url without padding (prefix "u")."""
    size = max(size, ((max(set_bits, default=0) // 8) + 1) * 8)
    bits = bytearray(size // 8)
    for index in set_bits:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0))
    return "u" + packed.decode().rstrip("=")


def bit_at(encoded: str, index: int) -> bool:
    """Read one entry back from an `encodedList` (ValueError if it is not one)."""
    if not encoded.startswith("u"):
        raise ValueError("an encodedList is multibase base64url, starting with 'u'")
    data = encoded[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    if index // 8 >= len(bits):
        raise ValueError(f"index {index} is beyond the list's {len(bits) * 8} entries")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def _achievement(issuer: Issuer, modules: tuple[Module, ...]) -> dict[str, Any]:
    return {
        "id": issuer.achievement_id,
        "type": ["Achievement"],
        "achievementType": "Certification",
        "name": "SCORE certified trainer",
        "description": "A trainer certified by the ILO SCORE programme to deliver SCORE "
        "training to small and medium enterprises, in the modules listed.",
        "criteria": {
            "narrative": "Completed the Training of Trainers workshop and a supervised "
            "Training of Enterprises cycle in a foundation module, recommended by an expert "
            "trainer and certified by the programme office; each further module likewise."
        },
        "tag": [m.value for m in modules],
        "humanCode": "SCORE",
        "creator": {"id": issuer.id, "type": ["Profile"], "name": issuer.name},
    }


def _hashed_email(hashed: str, credential: Credential) -> dict[str, Any]:
    """OB 3.0's IdentityHash: sha256 over the address and a salt, the salt published."""
    return {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": True,
        "identityHash": hashed,
        "salt": identity_salt(credential.credential_id),
    }


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
