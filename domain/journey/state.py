"""The journey's state as plain values: read by the rules, carried by the workflow."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from domain.journey.steps import JourneyStep
from domain.size_warnings import SizeWarning
from domain.values import Module

# At most this many participants in one classroom workshop, by default; a policy version may
# set another (domain/policies.py).
MAX_CLASSROOM_PARTICIPANTS = 1_000
# No policy version may set a higher limit: far above any real classroom, far below what a
# read model's integer column holds.
MAX_PARTICIPANT_LIMIT = 100_000


@dataclass(frozen=True)
class ParticipantLimit:
    """The most participants one classroom workshop may have, and the policy version that set
    it (0: the default the service ran with before any version), so that a refusal can name
    it; None: the ceiling no version may exceed (`PARTICIPANT_CEILING`)."""

    participants: int = MAX_CLASSROOM_PARTICIPANTS
    policy_version: int | None = 0


DEFAULT_PARTICIPANT_LIMIT = ParticipantLimit()
# What a caller that cannot read the version in force judges by (the journey workflow's
# validator): a count above it is refused whatever version applies.
PARTICIPANT_CEILING = ParticipantLimit(MAX_PARTICIPANT_LIMIT, policy_version=None)


class Stage(StrEnum):
    ENROLLED = "enrolled"  # in a ToT workshop, waiting for its result
    TOE_CYCLE = "toe_cycle"  # running a ToE cycle under the expert's supervision
    RECOMMENDED = "recommended"  # waiting for the programme office to certify
    CERTIFIED = "certified"
    TOT_NOT_COMPLETED = "tot_not_completed"
    NOT_RECOMMENDED = "not_recommended"
    WITHDRAWN = "withdrawn"


CLOSED_STAGES = frozenset(
    {Stage.CERTIFIED, Stage.TOT_NOT_COMPLETED, Stage.NOT_RECOMMENDED, Stage.WITHDRAWN}
)


@dataclass(frozen=True)
class EnterpriseProgress:
    """Where one selected enterprise stands within the current ToE cycle."""

    enterprise_id: str
    baseline: dict[str, float] | None = None
    coaching_visits: int = 0
    reports: int = 0
    latest: dict[str, float] | None = None
    baseline_on: date | None = None  # when the baseline visit took place
    size_warning: SizeWarning | None = None  # outside the SME range in force when selected

    @property
    def assessed(self) -> bool:
        return self.baseline is not None


@dataclass(frozen=True)
class ToECycle:
    number: int
    enterprises: tuple[EnterpriseProgress, ...] = ()
    classroom_delivered: bool = False
    classroom_held_on: date | None = None

    def enterprise(self, enterprise_id: str) -> EnterpriseProgress | None:
        return next((e for e in self.enterprises if e.enterprise_id == enterprise_id), None)

    def with_enterprise(self, progress: EnterpriseProgress) -> ToECycle:
        others = tuple(e for e in self.enterprises if e.enterprise_id != progress.enterprise_id)
        ordered = sorted((*others, progress), key=lambda e: self._position(e.enterprise_id))
        return replace(self, enterprises=tuple(ordered))

    def _position(self, enterprise_id: str) -> int:
        ids = [e.enterprise_id for e in self.enterprises]
        return ids.index(enterprise_id) if enterprise_id in ids else len(ids)

    @property
    def complete(self) -> bool:
        """Delivered, and every selected enterprise coached and reported on."""
        return (
            self.classroom_delivered
            and bool(self.enterprises)
            and all(e.coaching_visits > 0 and e.reports > 0 for e in self.enterprises)
        )


@dataclass(frozen=True)
class RecordedStep:
    """A step as the journey holds it now: its values with every amendment applied, or
    struck out. Corrections re-judge the rules over these (domain/journey/rules.py)."""

    version: int  # the version of the event that recorded it: its position in the history
    step: JourneyStep
    at: datetime
    recorded_by: str  # the actor's user id
    size_warning: SizeWarning | None = None  # a selection's enterprise outside SME size
    amended: bool = False  # corrected at least once
    voided: bool = False  # struck out: it no longer counts


@dataclass(frozen=True)
class JourneyState:
    journey_id: str
    trainer_id: str
    module: Module
    workshop_id: str
    expert_id: str
    enrolled_at: datetime
    last_step_at: datetime
    stage: Stage = Stage.ENROLLED
    cycle: ToECycle | None = None
    provisional_given: bool = False
    withdrawal_reason: str | None = None
    stall_reminded_for: datetime | None = None  # the last_step_at of the stall already reminded
    # Every step taken, in order, as corrected; empty in states carried by workflows from
    # before corrections (the store's state always has them).
    recorded: tuple[RecordedStep, ...] = ()

    def recorded_step(self, version: int) -> RecordedStep | None:
        return next((r for r in self.recorded if r.version == version), None)

    @property
    def is_open(self) -> bool:
        return self.stage not in CLOSED_STAGES

    @property
    def cycles_started(self) -> int:
        return self.cycle.number if self.cycle else 0
