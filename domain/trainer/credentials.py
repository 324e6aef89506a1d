"""Which credential change a trainer's standing calls for, and how each change evolves the state.

The signed credential follows the standing; it never leads it. After every change to a
certified trainer, `change_due` compares the listing and the certified modules with the
current credential and names the one change that brings them together (applied until none
is due):

- certified, no credential yet           → issue one on a new status list entry;
- listed, credential revoked             → issue a new one on a new entry (the old stays revoked);
- listed, credential suspended           → lift the suspension;
- inactive, credential active            → suspend it;
- removed for cause, not revoked         → revoke it (final);
- modules differ from the credential's   → reissue under the same entry.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime
from enum import StrEnum

from domain import policy
from domain.errors import DomainError
from domain.policy import About, Action
from domain.trainer.state import (
    Credential,
    CredentialStatus,
    IssuedSubject,
    Listing,
    TrainerState,
)
from domain.values import Actor


class CredentialChange(StrEnum):
    ISSUE = "issue"  # a new credential on a new status list entry
    REISSUE = "reissue"  # a new credential (more modules) on the same entry
    SUSPEND = "suspend"
    LIFT_SUSPENSION = "lift_suspension"
    REVOKE = "revoke"

    @property
    def needs_new_entry(self) -> bool:
        return self is CredentialChange.ISSUE

    @property
    def issues(self) -> bool:
        return self in (CredentialChange.ISSUE, CredentialChange.REISSUE)


def change_due(state: TrainerState) -> CredentialChange | None:
    """The next change that brings the credential in line with the standing; None: in line."""
    standing, credential = state.standing, state.credential
    if standing is None or not state.is_certified:
        return None
    if credential is None:
        return None if standing.listing is Listing.REMOVED else CredentialChange.ISSUE
    status = credential.status
    match standing.listing:
        case Listing.REMOVED:
            return None if status is CredentialStatus.REVOKED else CredentialChange.REVOKE
        case Listing.LISTED if status is CredentialStatus.REVOKED:
            return CredentialChange.ISSUE
        case Listing.LISTED if status is CredentialStatus.SUSPENDED:
            return CredentialChange.LIFT_SUSPENSION
        case Listing.INACTIVE if status is CredentialStatus.ACTIVE:
            return CredentialChange.SUSPEND
    if status is not CredentialStatus.REVOKED and credential.modules != state.certified_modules:
        return CredentialChange.REISSUE
    return None


class NothingToReissue(DomainError):
    """The office asked to reissue a credential that already says what the record says."""


class CredentialNotActive(DomainError):
    """A suspended or revoked credential is not reissued: the standing decides it."""


def identity_salt(credential_id: str) -> str:
    """The salt of the holder's hashed e-mail: the credential id's own random part."""
    return credential_id.rsplit(":", 1)[-1].replace("-", "")


def identity_hash(email: str, credential_id: str) -> str:
    """OB 3.0's IdentityHash of the e-mail: sha256 over the address and the salt."""
    digest = hashlib.sha256((email + identity_salt(credential_id)).encode()).hexdigest()
    return f"sha256${digest}"


def subject_now(state: TrainerState, credential_id: str) -> IssuedSubject:
    """What a credential issued now says of the holder: their record as it is."""
    assert state.certificate_number is not None, "a credential needs a certificate"
    return IssuedSubject(
        name=state.name,
        certificate_number=state.certificate_number,
        identity_hash=identity_hash(state.email, credential_id),
    )


def check_reissue(state: TrainerState, actor: Actor) -> Credential:
    """The office's reissue (a corrected name or e-mail): only of an active credential, and
    only when it says something else than the record now does. The credential to replace."""
    policy.require(actor, Action.REISSUE_CREDENTIAL, About(trainer_id=state.trainer_id))
    credential = state.credential
    if credential is None:
        raise DomainError(
            f"{state.name} holds no credential to reissue (not certified, or none issued yet).",
            code="no_credential_to_reissue",
            params={"name": state.name},
        )
    if credential.status is not CredentialStatus.ACTIVE:
        raise CredentialNotActive(
            f"{state.name}'s credential is {credential.status.value}; it is not reissued "
            "until the standing makes it active again (a training record or reinstatement).",
            params={"name": state.name, "status": credential.status.value},
        )
    if credential.subject == subject_now(state, credential.credential_id):
        raise NothingToReissue(
            f"{state.name}'s credential already says what their record says (name, "
            "certificate number, e-mail); nothing to reissue.",
            params={"name": state.name},
        )
    return credential


def evolve_issued(
    state: TrainerState,
    credential_id: str,
    status_index: int,
    at: datetime,
    subject: IssuedSubject | None,
) -> TrainerState:
    """A credential issued for every module held; a reissue keeps the entry's status."""
    before = state.credential
    same_entry = before is not None and before.status_index == status_index
    credential = Credential(
        credential_id=credential_id,
        status_index=status_index,
        modules=state.certified_modules,
        issued_at=at,
        status=before.status if same_entry and before else CredentialStatus.ACTIVE,
        status_changed_at=before.status_changed_at if same_entry and before else None,
        subject=subject,
    )
    return replace(state, credential=credential)


def evolve_status(state: TrainerState, status: CredentialStatus, at: datetime) -> TrainerState:
    assert state.credential is not None, "a status change needs a credential"
    credential = replace(state.credential, status=status, status_changed_at=at)
    return replace(state, credential=credential)


def status_after(change: CredentialChange) -> CredentialStatus:
    match change:
        case CredentialChange.SUSPEND:
            return CredentialStatus.SUSPENDED
        case CredentialChange.REVOKE:
            return CredentialStatus.REVOKED
        case _:
            return CredentialStatus.ACTIVE
