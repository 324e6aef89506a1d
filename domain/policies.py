"""The programme's thresholds as recorded facts: each change is a numbered policy version,
saying who changed what, when, and from when it applies.

A version applies from its own moment on, never before the moment it is recorded: a change
never rewrites a decision already taken. Every reminder and delisting names the version it
applied (`policy_version`), and so does a refusal that applied one (a training record too
old for the inactivity period, a delisting before it ran out, a classroom workshop over the
participant limit) and an enterprise's size warning (outside the SME range). Version 0 is
the configuration the service ran with before any version was recorded (Settings, and the
domain's defaults: the 12-month inactivity period, SMEs of 50–250 employees, at most 1,000
participants in a classroom workshop), so decisions of that time name it too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain import policy
from domain.enterprise import (
    DEFAULT_SME_SIZE,
    MAX_EMPLOYEES,
    SME_MAX_EMPLOYEES,
    SME_MIN_EMPLOYEES,
    SmeSize,
)
from domain.errors import InvalidInput, StepOutOfOrder
from domain.ids import POLICY_ID
from domain.journey.state import (
    DEFAULT_PARTICIPANT_LIMIT,
    MAX_CLASSROOM_PARTICIPANTS,
    ParticipantLimit,
)
from domain.journey.state import (  # the ceiling of a version's limit, named here too
    MAX_PARTICIPANT_LIMIT as MAX_PARTICIPANT_LIMIT,
)
from domain.policy import Action
from domain.recorded import RecordedAggregate, created_fields, require_aware
from domain.text import REASON, clean_field
from domain.trainer.state import INACTIVE_AFTER_MONTHS, InactivityTerm
from domain.values import SYSTEM_ACTOR, Actor

MAX_INACTIVE_AFTER_MONTHS = 60
MAX_STALL_AFTER_DAYS = 3650


@dataclass(frozen=True)
class PolicyTerms:
    reminder_months: tuple[int, ...] = (9, 11)  # reminders of a trainer's running-out clock
    stall_after_days: int = 60  # a journey without a step for this long is reminded
    # a certified trainer without a training record for this long is delisted
    inactive_after_months: int = INACTIVE_AFTER_MONTHS
    # an enterprise outside this range of employees is warned about (not refused)
    sme_min_employees: int = SME_MIN_EMPLOYEES
    sme_max_employees: int = SME_MAX_EMPLOYEES
    # a classroom workshop with more participants (managers + workers) is refused
    max_classroom_participants: int = MAX_CLASSROOM_PARTICIPANTS

    def checked(self) -> PolicyTerms:
        inactive = self.inactive_after_months
        if not 2 <= inactive <= MAX_INACTIVE_AFTER_MONTHS:
            raise InvalidInput(
                f"inactive_after_months: from 2 to {MAX_INACTIVE_AFTER_MONTHS} months; "
                f"got {inactive}.",
                code="policy_inactivity_out_of_range",
                params={"min": 2, "max": MAX_INACTIVE_AFTER_MONTHS, "got": inactive},
            )
        months = tuple(sorted(set(self.reminder_months)))
        if not all(0 < m < inactive for m in months):
            got = ", ".join(str(m) for m in self.reminder_months)
            raise InvalidInput(
                f"reminder_months: each between 1 and {inactive - 1} (the delisting comes at "
                f"{inactive}); got {list(self.reminder_months)}.",
                code="policy_reminder_months_out_of_range",
                params={"max": inactive - 1, "inactive": inactive, "got": got},
            )
        if not 1 <= self.stall_after_days <= MAX_STALL_AFTER_DAYS:
            raise InvalidInput(
                f"stall_after_days: from 1 to {MAX_STALL_AFTER_DAYS} days; "
                f"got {self.stall_after_days}.",
                code="policy_stall_out_of_range",
                params={"min": 1, "max": MAX_STALL_AFTER_DAYS, "got": self.stall_after_days},
            )
        self._check_sme_range()
        if not 1 <= self.max_classroom_participants <= MAX_PARTICIPANT_LIMIT:
            raise InvalidInput(
                f"max_classroom_participants: from 1 to {MAX_PARTICIPANT_LIMIT:,}; "
                f"got {self.max_classroom_participants}.",
                code="policy_participant_limit_out_of_range",
                params={
                    "min": 1,
                    "max": MAX_PARTICIPANT_LIMIT,
                    "got": self.max_classroom_participants,
                },
            )
        return replace(self, reminder_months=months)

    def _check_sme_range(self) -> None:
        low, high = self.sme_min_employees, self.sme_max_employees
        if not 1 <= low < high <= MAX_EMPLOYEES:
            raise InvalidInput(
                f"sme_min_employees and sme_max_employees: a range of employees from at least "
                f"1 to at most {MAX_EMPLOYEES:,}, the minimum below the maximum; got "
                f"{low}–{high}.",
                code="policy_sme_range_out_of_range",
                params={"min": 1, "max": MAX_EMPLOYEES, "low": low, "high": high},
            )


@dataclass(frozen=True)
class PolicyVersion:
    number: int
    terms: PolicyTerms
    applies_from: datetime
    recorded_at: datetime
    recorded_by: str  # the actor's id
    reason: str

    @property
    def inactivity(self) -> InactivityTerm:
        return InactivityTerm(self.terms.inactive_after_months, self.number)

    @property
    def sme_size(self) -> SmeSize:
        return SmeSize(self.terms.sme_min_employees, self.terms.sme_max_employees, self.number)

    @property
    def participant_limit(self) -> ParticipantLimit:
        return ParticipantLimit(self.terms.max_classroom_participants, self.number)


def in_force(versions: tuple[PolicyVersion, ...], moment: datetime) -> PolicyVersion | None:
    """The version that applied at `moment`: the latest to have started by then."""
    started = [v for v in versions if v.applies_from <= moment]
    return max(started, key=lambda v: (v.applies_from, v.number), default=None)


def sme_size_at(versions: tuple[PolicyVersion, ...], moment: datetime) -> SmeSize:
    """The SME range in force at `moment`, naming its version (0: the default)."""
    version = in_force(versions, moment)
    return DEFAULT_SME_SIZE if version is None else version.sme_size


def participant_limit_at(versions: tuple[PolicyVersion, ...], moment: datetime) -> ParticipantLimit:
    """The classroom participant limit in force at `moment`, naming its version (0: the
    default)."""
    version = in_force(versions, moment)
    return DEFAULT_PARTICIPANT_LIMIT if version is None else version.participant_limit


class ProgrammePolicy(RecordedAggregate):
    """Every version of the programme's thresholds, in the order they were recorded."""

    if TYPE_CHECKING:
        versions: tuple[PolicyVersion, ...]

    class Opened(RecordedAggregate.Created):
        def apply_to(self, aggregate: Any) -> None:
            aggregate.versions = ()

    class VersionRecorded(RecordedAggregate.Event):
        # v2 versions the inactivity period too; v3 the SME range and the participant limit
        class_version = 3
        number: int
        reminder_months: list[int]
        stall_after_days: int
        applies_from: datetime
        reason: str
        inactive_after_months: int
        sme_min_employees: int
        sme_max_employees: int
        max_classroom_participants: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["inactive_after_months"] = INACTIVE_AFTER_MONTHS  # the only period then

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            # the only range and limit then: the domain's constants
            state["sme_min_employees"] = SME_MIN_EMPLOYEES
            state["sme_max_employees"] = SME_MAX_EMPLOYEES
            state["max_classroom_participants"] = MAX_CLASSROOM_PARTICIPANTS

        def apply_to(self, aggregate: Any) -> None:
            terms = PolicyTerms(
                tuple(self.reminder_months),
                self.stall_after_days,
                self.inactive_after_months,
                self.sme_min_employees,
                self.sme_max_employees,
                self.max_classroom_participants,
            )
            version = PolicyVersion(
                self.number, terms, self.applies_from, self.timestamp, self.actor_id, self.reason
            )
            aggregate.versions = (*aggregate.versions, version)

    @classmethod
    def open(cls, at: datetime) -> ProgrammePolicy:
        return cls._create(cls.Opened, id=POLICY_ID, **created_fields(SYSTEM_ACTOR, "open", at))

    def record_version(
        self,
        terms: PolicyTerms,
        applies_from: datetime,
        reason: str,
        actor: Actor,
        command_id: str,
        at: datetime,
    ) -> PolicyVersion:
        policy.require(actor, Action.CHANGE_POLICY)
        terms = terms.checked()
        if require_aware(applies_from) < at:
            raise StepOutOfOrder(
                f"applies_from: {applies_from:%Y-%m-%d %H:%M} UTC has passed; a policy applies "
                "from now or later, so that no decision already taken changes.",
                code="policy_applies_from_passed",
                params={"day": applies_from.date(), "time": f"{applies_from:%H:%M}"},
            )
        self.record(
            self.VersionRecorded,
            actor,
            command_id,
            at,
            number=len(self.versions) + 1,
            reminder_months=list(terms.reminder_months),
            stall_after_days=terms.stall_after_days,
            inactive_after_months=terms.inactive_after_months,
            sme_min_employees=terms.sme_min_employees,
            sme_max_employees=terms.sme_max_employees,
            max_classroom_participants=terms.max_classroom_participants,
            applies_from=applies_from,
            reason=clean_field("reason", reason, REASON),
        )
        return self.versions[-1]
