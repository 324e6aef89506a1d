"""The read models follow a correction: an amended step's values replace the recorded ones, a
voided step stops counting (docs/projections.md)."""

from __future__ import annotations

from datetime import timedelta

from domain.journey.steps import AmendStep, VoidStep
from projections.projector import Projector
from projections.queries import enterprises
from projections.store import ReadModels
from tests.stories import Story


def test_an_amended_classroom_date_and_baseline_and_a_voided_report_reach_the_results(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.ready_to_assess(candidate, expert)
    (firm,) = [e.enterprise_id for e in journey.cycle.enterprises] if journey.cycle else []
    baseline, classroom, report = (
        next(r.version for r in journey.recorded if r.step.kind == kind)
        for kind in ("baseline_assessment", "classroom_workshop", "progress_report")
    )
    projector.catch_up()
    held_on = journey.cycle.classroom_held_on if journey.cycle else None
    assert held_on is not None

    earlier = held_on - timedelta(days=1)
    story.step(journey, AmendStep(classroom, "held a day earlier", held_on=earlier), candidate)
    story.step(journey, AmendStep(baseline, "misread", indicators={"defects": 9.0}), expert)
    story.step(journey, VoidStep(report, "reported for the wrong firm"), expert)
    projector.catch_up()

    (results,) = enterprises(read_models, firm)
    (cycle,) = results.participations
    assert cycle.classroom_held_on == earlier
    assert (cycle.coaching_visits, cycle.reports) == (1, 0)
    assert {r.indicator: (r.baseline, r.latest) for r in cycle.indicators} == {
        "defects": (9.0, None)
    }
