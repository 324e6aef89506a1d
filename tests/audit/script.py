"""One candidate's whole story, with a clock the test controls, and the instants auditors ask
about: before enrolment, after the provisional assessment, after certification, after the
trainer was delisted for inactivity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.journey.steps import Certify, RecordToTResult
from domain.values import Actor, Module
from service.app.certification import Certification
from tests.projections.helpers import remind_and_delist
from tests.stories import Story


@dataclass(frozen=True)
class Script:
    app: Certification
    hq: Actor
    expert: Actor
    candidate: Actor
    journey_id: str
    certificate_number: str
    before_enrolment: datetime
    after_provisional: datetime
    after_certification: datetime
    after_delisting: datetime

    @classmethod
    def played(cls, app: Certification) -> Script:
        story = Story(app)
        expert, candidate = story.register_expert(), story.register_candidate("Asha Verma")
        before_enrolment = story.now
        journey = story.enrol(candidate, Module.WC, expert)
        journey = story.step(journey, RecordToTResult(attended=True, completed=True), expert)
        journey = story.run_cycle(journey, candidate)
        journey = story.assess(journey, expert, "provisional")
        after_provisional = story.now
        journey = story.run_cycle(journey, candidate)
        journey = story.assess(journey, expert, "recommended")
        story.step(journey, Certify(), story.hq)
        after_certification = story.now
        remind_and_delist(story, candidate)
        number = app.trainer(candidate.user_id).certificate_number
        assert number is not None
        return cls(
            app,
            story.hq,
            expert,
            candidate,
            journey.journey_id,
            number,
            before_enrolment + timedelta(hours=1),
            after_provisional + timedelta(hours=1),
            after_certification + timedelta(hours=1),
            story.now + timedelta(hours=1),
        )


# The journey's events, in order, as the script takes its steps: (type, who took it).
JOURNEY_STEPS = [
    ("Journey.Enrolled", "hq"),
    ("Journey.ToTResultRecorded", "expert"),
    ("Journey.EnterpriseSelected", "trainer"),
    ("Journey.BaselineAssessmentRecorded", "trainer"),
    ("Journey.ClassroomWorkshopDelivered", "trainer"),
    ("Journey.CoachingVisitRecorded", "trainer"),
    ("Journey.ProgressReported", "trainer"),
    ("Journey.CycleAssessed", "expert"),
    ("Journey.EnterpriseSelected", "trainer"),
    ("Journey.BaselineAssessmentRecorded", "trainer"),
    ("Journey.ClassroomWorkshopDelivered", "trainer"),
    ("Journey.CoachingVisitRecorded", "trainer"),
    ("Journey.ProgressReported", "trainer"),
    ("Journey.CycleAssessed", "expert"),
    ("Journey.Certified", "hq"),
]
