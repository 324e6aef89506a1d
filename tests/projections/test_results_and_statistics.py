"""Enterprises with their indicators, and the programme statistics the source texts quote."""

from __future__ import annotations

import pytest

from domain.indicators import Indicator
from domain.journey.state import JourneyState
from domain.journey.steps import (
    DeliverClassroomWorkshop,
    RecordBaselineAssessment,
    RecordCoachingVisit,
    RecordToTResult,
    ReportProgress,
    SelectEnterprise,
)
from domain.values import Actor, Module
from projections.projector import Projector
from projections.queries import enterprises, programme_statistics
from projections.queries.figures import for_people, percent
from projections.store import ReadModels
from tests.stories import BASELINE, Story


def test_an_enterprise_shows_baseline_latest_and_improvement_per_indicator(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    expert, candidate = story.register_expert(), story.register_candidate("Asha Rao")
    journey = story.ready_to_assess(candidate, expert)  # BASELINE, then PROGRESS reported
    projector.catch_up()

    (enterprise,) = enterprises(read_models)
    (cycle,) = enterprise.participations
    assert (cycle.journey_id, cycle.cycle_number, cycle.module) == (
        journey.journey_id,
        1,
        Module.WC,
    )
    assert cycle.trainer_name == "Asha Rao" and cycle.classroom_held_on is not None
    assert (cycle.coaching_visits, cycle.reports) == (1, 1)
    by_indicator = {r.indicator: r for r in cycle.indicators}
    assert set(by_indicator) == {Indicator.PRODUCTIVITY, Indicator.DEFECTS, Indicator.ABSENTEEISM}
    productivity = by_indicator[Indicator.PRODUCTIVITY]
    assert (productivity.baseline, productivity.latest) == (100.0, 130.0)
    assert productivity.improvement == pytest.approx(30.0)
    assert by_indicator[Indicator.DEFECTS].improvement == pytest.approx(50.0)  # 8 → 4, fewer
    assert enterprises(read_models, enterprise.enterprise_id) == [enterprise]


def test_the_latest_report_replaces_the_previous_one(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.ready_to_assess(candidate, expert)
    assert journey.cycle is not None
    (selected,) = journey.cycle.enterprises
    story.step(journey, ReportProgress(selected.enterprise_id, {"productivity": 90.0}), candidate)
    projector.catch_up()

    (cycle,) = enterprises(read_models)[0].participations
    assert cycle.reports == 2
    productivity, defects, absenteeism = cycle.indicators
    assert productivity.latest == 90.0 and productivity.improvement == pytest.approx(-10.0)
    assert defects.latest is None and defects.improvement is None
    assert absenteeism.baseline == BASELINE["absenteeism"]


def test_programme_statistics_count_smes_participants_and_improvement_ranges(
    story: Story, projector: Projector, read_models: ReadModels
) -> None:
    expert = story.register_expert()
    # One candidate runs two cycles (8 managers, 16 workers, 7 women in each classroom)...
    first_candidate = story.register_candidate()
    first = story.ready_to_assess(first_candidate, expert)
    story.run_cycle(story.assess(first, expert, "provisional"), first_candidate)
    # ...another one cycle with 3 managers, 9 workers, 4 women and a smaller gain...
    second_candidate = story.register_candidate()
    second = story.enrol(second_candidate, Module.WC, expert)
    second = story.step(second, RecordToTResult(attended=True, completed=True), expert)
    _teach(story, second, second_candidate, {"productivity": 115.0, "defects": 8.0})
    # ...and a third only selects an enterprise: nobody was trained there yet.
    third_candidate = story.register_candidate()
    third = story.enrol(third_candidate, Module.WC, expert)
    third = story.step(third, RecordToTResult(attended=True, completed=True), expert)
    story.step(third, SelectEnterprise(story.register_enterprise()), third_candidate)
    projector.catch_up()

    stats = programme_statistics(read_models)

    assert stats.smes_trained == 3 and stats.classroom_workshops == 3
    assert (stats.managers, stats.workers, stats.women) == (8 + 8 + 3, 16 + 16 + 9, 7 + 7 + 4)
    assert stats.participants == 60
    # Percentages as a person reads them: 19 / 60 is 31.7 %, not 31.666666666666664.
    assert (stats.share_managers, stats.share_workers, stats.share_women) == (31.7, 68.3, 30.0)
    assert stats.certified_trainers == 0 and stats.active_trainers == 0
    ranges = {r.indicator: r for r in stats.improvement}
    assert set(ranges) == {Indicator.PRODUCTIVITY, Indicator.DEFECTS, Indicator.ABSENTEEISM}
    productivity = ranges[Indicator.PRODUCTIVITY]
    assert productivity.measurements == 3 and productivity.improved == 3
    assert (productivity.lowest, productivity.median, productivity.highest) == (15.0, 30.0, 30.0)
    defects = ranges[Indicator.DEFECTS]
    assert (defects.lowest, defects.median, defects.highest, defects.improved) == (
        0.0,
        50.0,
        50.0,
        2,
    )


def _teach(
    story: Story, journey: JourneyState, candidate: Actor, progress: dict[str, float]
) -> None:
    """A cycle with its own numbers: 3 managers, 9 workers, 4 women, one enterprise."""
    enterprise = story.register_enterprise()
    today = story.now.date()
    for step in (
        SelectEnterprise(enterprise),
        RecordBaselineAssessment(enterprise, today, BASELINE),
        DeliverClassroomWorkshop(today, managers=3, workers=9, women=4),
        RecordCoachingVisit(enterprise, today),
        ReportProgress(enterprise, progress),
    ):
        journey = story.step(journey, step, candidate)


def test_statistics_of_an_empty_programme_have_no_shares(read_models: ReadModels) -> None:
    stats = programme_statistics(read_models)
    assert stats.participants == 0 and stats.share_women is None and stats.improvement == ()
    assert stats.smes_trained == 0 and stats.classroom_workshops == 0


def test_figures_for_people_have_one_decimal_and_no_negative_zero() -> None:
    assert percent(1, 12) == 8.3 and percent(2, 3) == 66.7
    assert for_people(-0.04) == 0.0 and str(for_people(-0.04)) == "0.0"
    assert for_people(100 * (8.333333333333332 / 100)) == 8.3
    assert percent(3, 0) is None and for_people(None) is None
