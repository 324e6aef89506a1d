"""The steps of a journey, as commands (imperative). They cross the API and the workflow as data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Outcome = Literal["recommended", "provisional", "not_recommended"]


@dataclass(frozen=True)
class RecordToTResult:
    attended: bool
    completed: bool
    kind: Literal["tot_result"] = "tot_result"


@dataclass(frozen=True)
class SelectEnterprise:
    enterprise_id: str
    kind: Literal["select_enterprise"] = "select_enterprise"


@dataclass(frozen=True)
class RecordBaselineAssessment:
    enterprise_id: str
    visited_on: date
    indicators: dict[str, float] = field(default_factory=dict)
    kind: Literal["baseline_assessment"] = "baseline_assessment"


@dataclass(frozen=True)
class DeliverClassroomWorkshop:
    held_on: date
    managers: int
    workers: int
    women: int
    # The participants' average satisfaction with the workshop, in percent, where the
    # trainer collected it (an evaluation form); None when it was not recorded.
    satisfaction: float | None = None
    kind: Literal["classroom_workshop"] = "classroom_workshop"


@dataclass(frozen=True)
class RecordCoachingVisit:
    enterprise_id: str
    visited_on: date
    notes: str = ""
    kind: Literal["coaching_visit"] = "coaching_visit"


@dataclass(frozen=True)
class ReportProgress:
    enterprise_id: str
    indicators: dict[str, float] = field(default_factory=dict)
    kind: Literal["progress_report"] = "progress_report"


@dataclass(frozen=True)
class AssessCycle:
    outcome: Outcome
    comments: str = ""
    kind: Literal["assessment"] = "assessment"


@dataclass(frozen=True)
class Certify:
    kind: Literal["certification"] = "certification"


@dataclass(frozen=True)
class Withdraw:
    reason: str
    kind: Literal["withdrawal"] = "withdrawal"


@dataclass(frozen=True)
class ReassignExpert:
    """The office hands the candidate to another expert trainer (theirs left, or cannot go on)."""

    expert_id: str
    reason: str
    kind: Literal["expert_reassignment"] = "expert_reassignment"


AMENDABLE = (
    "visited_on",
    "held_on",
    "indicators",
    "managers",
    "workers",
    "women",
    "satisfaction",
    "notes",
)


@dataclass(frozen=True)
class AmendStep:
    """Correct a recorded ToE step's values (a wrong date, indicator, count or note).

    The step is named by `step_version`, the version of the event that recorded it (its
    position in the journey's history, as the audit lists it). Only the fields given change;
    each must be one the step has (a coaching visit has `visited_on` and `notes`). The
    enterprise a step is about is not amended: void the step and record it again.
    """

    step_version: int
    reason: str
    visited_on: date | None = None  # baseline assessment, coaching visit
    held_on: date | None = None  # classroom workshop
    indicators: dict[str, float] | None = None  # baseline assessment, progress report
    managers: int | None = None  # classroom workshop
    workers: int | None = None
    women: int | None = None
    satisfaction: float | None = None
    notes: str | None = None  # coaching visit
    kind: Literal["step_amendment"] = "step_amendment"

    def changes(self) -> dict[str, object]:
        """The fields given, by name."""
        return {name: getattr(self, name) for name in AMENDABLE if getattr(self, name) is not None}


@dataclass(frozen=True)
class VoidStep:
    """Strike out a recorded ToE step (recorded by mistake, or twice): it no longer counts,
    and the history keeps it, struck out, beside the reason."""

    step_version: int
    reason: str
    kind: Literal["step_voiding"] = "step_voiding"


Correction = AmendStep | VoidStep

JourneyStep = (
    RecordToTResult
    | SelectEnterprise
    | RecordBaselineAssessment
    | DeliverClassroomWorkshop
    | RecordCoachingVisit
    | ReportProgress
    | AssessCycle
    | Certify
    | Withdraw
    | ReassignExpert
    | AmendStep
    | VoidStep
)

# The recorded steps a correction may amend or void: the ToE cycle's own records. The ToT
# result, the assessment, certification, withdrawal and reassignment are decisions, not
# records of what happened: they are not corrected this way.
CORRECTABLE = (
    SelectEnterprise,
    RecordBaselineAssessment,
    DeliverClassroomWorkshop,
    RecordCoachingVisit,
    ReportProgress,
)
