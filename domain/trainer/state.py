"""The trainer's state as plain values: read by the rules, carried by the standing workflow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from domain.values import Module

INACTIVE_AFTER_MONTHS = 12  # the default; a policy version may set another (domain/policies.py)


@dataclass(frozen=True)
class InactivityTerm:
    """The inactivity period in force, and the policy version that set it (0: the default
    the service ran with before any version), so that a decision can name it."""

    months: int = INACTIVE_AFTER_MONTHS
    policy_version: int = 0


DEFAULT_INACTIVITY = InactivityTerm()


class Listing(StrEnum):
    LISTED = "listed"
    INACTIVE = "inactive"  # delisted after the inactivity period without a training record
    REMOVED = "removed"  # delisted for cause by the programme office


@dataclass(frozen=True)
class Standing:
    """A certified trainer's yearly activity clock and listing."""

    clock_started_at: datetime
    listing: Listing = Listing.LISTED
    listed_since: datetime | None = None
    last_training_record_at: datetime | None = None
    last_delivered_on: date | None = None  # the training the last record reported
    reminders_sent: tuple[int, ...] = ()  # thresholds (in months) reminded on the current clock
    delisting_reason: str | None = None


class CredentialStatus(StrEnum):
    """Where a credential's status list entry stands (domain/trainer/credentials.py)."""

    ACTIVE = "active"
    SUSPENDED = "suspended"  # delisted for inactivity: lifted by a training record or reinstatement
    REVOKED = "revoked"  # removed for cause: final, a reinstatement issues a new credential


@dataclass(frozen=True)
class IssuedSubject:
    """What a credential says of its holder, fixed when it is issued (CredentialIssued v2): a
    later rename or e-mail change does not alter a credential issued before."""

    name: str
    certificate_number: str
    identity_hash: str  # "sha256$…" of the e-mail and the credential's salt (OB 3.0)


@dataclass(frozen=True)
class Credential:
    """The trainer's current signed credential (Open Badges 3.0), as its events recorded it.

    A credential reissued when a module is added keeps its status list entry; a new entry is
    allocated only for a new certificate epoch (the first, or one after a revocation).
    """

    credential_id: str  # urn:uuid:…, random
    status_index: int  # its place in the status lists
    modules: tuple[Module, ...]
    issued_at: datetime
    status: CredentialStatus = CredentialStatus.ACTIVE
    status_changed_at: datetime | None = None
    # None: issued before 0.3 (CredentialIssued v1), so its document is built from the
    # trainer's record as it is now (docs/credentials.md).
    subject: IssuedSubject | None = None


@dataclass(frozen=True)
class TrainerState:
    trainer_id: str
    name: str
    email: str
    country: str
    is_expert: bool = False
    open_journeys: dict[str, str] = field(default_factory=dict)  # module -> journey id
    journeys_started: dict[str, int] = field(default_factory=dict)  # module -> count
    certified_modules: tuple[Module, ...] = ()
    certificate_number: str | None = None
    certified_at: datetime | None = None
    standing: Standing | None = None
    credential: Credential | None = None  # None: none issued yet (or certified before 0.2)
    merged_into: str | None = None  # this record was merged into that one: read it instead
    merged_records: tuple[str, ...] = ()  # records of the same person merged into this one
    erased: bool = False  # personal data erased on request: name and e-mail read "[erased]"

    @property
    def is_certified(self) -> bool:
        return self.certificate_number is not None

    @property
    def listed(self) -> bool:
        return self.standing is not None and self.standing.listing is Listing.LISTED

    def holds(self, module: Module) -> bool:
        return module in self.certified_modules

    @property
    def holds_foundation(self) -> bool:
        return any(m.is_foundation for m in self.certified_modules)
