"""A journey's history as people read it: every recorded step, in order, by ToE cycle.

Read from the journey's own events in the event store (the record, not a projection), so the
page shows a step the moment it is answered. Which cycle a step belongs to follows the rules:
the ToT result opens cycle 1, a provisional assessment opens the next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.errors import NotFound
from domain.journey.aggregate import Journey
from domain.size_warnings import SizeWarning
from service.app.certification import Certification

# The journey's events by class name → the step kind the page names them by.
KINDS = {
    "Enrolled": "enrolment",
    "EnrolmentBackdated": "enrolment_backdating",
    "ToTResultRecorded": "tot_result",
    "EnterpriseSelected": "select_enterprise",
    "BaselineAssessmentRecorded": "baseline_assessment",
    "ClassroomWorkshopDelivered": "classroom_workshop",
    "CoachingVisitRecorded": "coaching_visit",
    "ProgressReported": "progress_report",
    "CycleAssessed": "assessment",
    "Certified": "certification",
    "Withdrawn": "withdrawal",
    "StallReminderSent": "stall_reminder",
    "ExpertReassigned": "expert_reassignment",
    "StepAmended": "step_amendment",
    "StepVoided": "step_voiding",
}
SHOWN_FIELDS = (
    "step_version",
    "attended",
    "completed",
    "visited_on",
    "held_on",
    "managers",
    "workers",
    "women",
    "notes",
    "indicators",
    "outcome",
    "comments",
    "reason",
)


@dataclass(frozen=True)
class Moment:
    at: datetime
    kind: str
    by_role: str
    enterprise_id: str | None
    enterprise_name: str | None
    facts: dict[str, Any]
    # a selection's enterprise outside the SME range then (the page words it: `worded_warning`)
    warning: SizeWarning | None = None


@dataclass
class Cycle:
    number: int
    moments: list[Moment] = field(default_factory=list)

    @property
    def enterprises(self) -> list[str]:
        names = [m.enterprise_name or m.enterprise_id for m in self.moments if m.enterprise_id]
        return list(dict.fromkeys(n for n in names if n))


@dataclass(frozen=True)
class Timeline:
    before_cycles: list[Moment]  # enrolment and the ToT result
    cycles: list[Cycle]
    after_cycles: list[Moment]  # certification, withdrawal


def timeline(certification: Certification, journey_id: str) -> Timeline:
    events = list(certification.events.get(UUID(journey_id)))
    names = _enterprise_names(certification, events)
    before: list[Moment] = []
    cycles: list[Cycle] = []
    after: list[Moment] = []
    for event in events:
        moment = _moment(event, names)
        if moment.kind in ("certification", "withdrawal"):
            after.append(moment)
        elif cycles:
            cycles[-1].moments.append(moment)
        else:
            before.append(moment)
        if moment.kind == "tot_result" and moment.facts.get("completed"):
            cycles.append(Cycle(1))
        if moment.kind == "assessment" and moment.facts.get("outcome") == "provisional":
            cycles.append(Cycle(len(cycles) + 1))
    return Timeline(before, cycles, after)


def _moment(event: Any, names: dict[str, str]) -> Moment:
    enterprise_id = getattr(event, "enterprise_id", None)
    facts = {name: getattr(event, name) for name in SHOWN_FIELDS if hasattr(event, name)}
    facts = {k: v for k, v in facts.items() if v not in ("", None, {})}
    return Moment(
        at=event.timestamp,
        kind=KINDS.get(type(event).__name__, type(event).__name__),
        by_role=getattr(event, "actor_role", ""),
        enterprise_id=enterprise_id,
        enterprise_name=names.get(enterprise_id) if enterprise_id else None,
        facts=facts,
        warning=event.recorded_warning() if isinstance(event, Journey.StepTaken) else None,
    )


def _enterprise_names(certification: Certification, events: list[Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    named: set[str] = {e.enterprise_id for e in events if hasattr(e, "enterprise_id")}
    for enterprise_id in named:
        try:
            names[enterprise_id] = certification.enterprise(enterprise_id).details.name
        except NotFound:
            continue
    return names
