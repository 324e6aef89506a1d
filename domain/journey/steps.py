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
)
