"""The programme's policy versions, kept in the certification event store beside everything
else: record a version (the programme office), list them, and tell which applied when."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.errors import TryAgain
from domain.ids import POLICY_ID
from domain.policies import PolicyTerms, PolicyVersion, ProgrammePolicy, in_force
from domain.recorded import require_aware
from domain.trainer.state import DEFAULT_INACTIVITY, InactivityTerm
from domain.values import Actor
from service.app.certification import Certification
from service.settings import Settings

CONFIGURED = 0  # the number of the terms the service was configured with (Settings)


def policy_versions(app: Certification) -> tuple[PolicyVersion, ...]:
    return app.policy_versions()


def configured_terms(settings: Settings) -> PolicyTerms:
    """Version 0: the terms the service is configured with (the inactivity period, the SME
    range and the participant limit were never configuration: the domain's defaults)."""
    return PolicyTerms(tuple(settings.reminder_months), settings.stall_reminder_after_days)


def policy_at(
    app: Certification, moment: datetime, configured: PolicyTerms
) -> tuple[int, PolicyTerms]:
    """The version in force at `moment` and its terms; the configured ones (version 0)
    before any version applies."""
    version = in_force(policy_versions(app), moment)
    return (CONFIGURED, configured) if version is None else (version.number, version.terms)


def inactivity_at(app: Certification, moment: datetime) -> InactivityTerm:
    """The inactivity period in force at `moment`, naming its version (0: the default; the
    period was never configuration)."""
    version = in_force(policy_versions(app), moment)
    return DEFAULT_INACTIVITY if version is None else version.inactivity


@dataclass(frozen=True)
class TermsKept:
    """The terms a change may leave out: None keeps the one in force at its `applies_from`."""

    inactive_after_months: int | None = None
    sme_min_employees: int | None = None
    sme_max_employees: int | None = None
    max_classroom_participants: int | None = None


def terms_of_change(
    app: Certification,
    reminder_months: tuple[int, ...],
    stall_after_days: int,
    kept: TermsKept,
    applies_from: datetime,
) -> PolicyTerms:
    """The terms of a change; a term left out stays the one in force at `applies_from`
    (version 0: the domain's defaults)."""
    version = in_force(policy_versions(app), require_aware(applies_from))
    before = PolicyTerms() if version is None else version.terms
    given = {name: value for name, value in asdict(kept).items() if value is not None}
    return replace(
        before, reminder_months=reminder_months, stall_after_days=stall_after_days, **given
    )


def record_policy_version(
    app: Certification,
    terms: PolicyTerms,
    applies_from: datetime,
    reason: str,
    actor: Actor,
    command_id: str,
    at: datetime,
) -> PolicyVersion:
    """Record a new version; the same command again answers with the version it recorded."""
    try:
        aggregate: ProgrammePolicy = app.repository.get(POLICY_ID)
    except AggregateNotFoundError:
        aggregate = ProgrammePolicy.open(at)
    done = aggregate.version_after(command_id)
    if done is not None:  # event 1 opened the aggregate; event n + 1 recorded version n
        return aggregate.versions[done - 2]
    version = aggregate.record_version(terms, applies_from, reason, actor, command_id, at)
    try:
        app.save(aggregate)
    except IntegrityError:
        raise TryAgain(
            "Someone else changed the policy at the same moment; send it again."
        ) from None
    return version
