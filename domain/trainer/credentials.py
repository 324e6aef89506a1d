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

from dataclasses import replace
from datetime import datetime
from enum import StrEnum

from domain.trainer.state import Credential, CredentialStatus, Listing, TrainerState


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


def evolve_issued(
    state: TrainerState, credential_id: str, status_index: int, at: datetime
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
