"""The programme's statistics on the demo data, as the programme reports them (seed 002).

The expected figures below are committed, worked out once and checked three ways on every
run: by the statistics query over the live read models, over read models rebuilt from zero,
and by counting the stored events directly (tests/projections/programme_from_events.py),
which shares no code with the read models.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from domain.values import Module
from projections.projector import Projector
from projections.queries import ProgrammeStatistics, StatisticsScope, programme_statistics
from projections.rebuild import rebuild
from projections.store import ReadModels, read_models_at, scratch_read_models
from service.app.certification import Certification
from service.bootstrap.parts import build_certification
from service.cli.demo import write_history
from service.settings import Settings
from tests.migrated import migrated
from tests.projections.programme_from_events import figures, read_programme

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)  # the demo's history runs from mid-2025

WHOLE_PROGRAMME = {
    "smes_trained": 43,
    "workforce_benefited": 6535,
    "classroom_workshops": 29,
    "participants": 677,
    "managers": 241,
    "workers": 436,
    "women": 215,
    "share_managers": 35.6,
    "share_workers": 64.4,
    "share_women": 31.8,
    "satisfaction_recorded": 21,
    "average_satisfaction": 81.3,
    "certified_trainers": 14,
    "active_trainers": 13,
    "training_records": 8,
    "training_record_enterprises": 23,
    "training_record_participants": 392,
    # indicator: (measurements, improved, lowest, median, highest), in percent
    "improvement": {
        "productivity": (39, 39, 15.0, 30.0, 50.0),
        "defects": (39, 39, 44.4, 44.4, 50.0),
        "absenteeism": (39, 25, 0.0, 14.3, 28.6),
    },
}
INDIA = {
    "smes_trained": 5,
    "workforce_benefited": 300,
    "classroom_workshops": 5,
    "participants": 120,
    "managers": 40,
    "workers": 80,
    "women": 25,
    "share_managers": 33.3,
    "share_workers": 66.7,
    "share_women": 20.8,
    "satisfaction_recorded": 3,
    "average_satisfaction": 79.3,
    "certified_trainers": 2,
    "active_trainers": 2,
    "training_records": 2,
    "training_record_enterprises": 4,
    "training_record_participants": 94,
    "improvement": {
        "productivity": (3, 3, 15.0, 25.0, 45.0),
        "defects": (3, 3, 44.4, 44.4, 44.4),
        "absenteeism": (3, 3, 28.6, 28.6, 28.6),
    },
}
YEAR_2025 = {
    "smes_trained": 6,
    "workforce_benefited": 980,
    "classroom_workshops": 4,
    "participants": 96,
    "managers": 33,
    "workers": 63,
    "women": 34,
    "share_managers": 34.4,
    "share_workers": 65.6,
    "share_women": 35.4,
    "satisfaction_recorded": 3,
    "average_satisfaction": 82.5,
    "certified_trainers": 4,  # certified by the end of 2025
    "active_trainers": 4,
    "training_records": 0,
    "training_record_enterprises": 0,
    "training_record_participants": 0,
    "improvement": {
        "productivity": (6, 6, 15.0, 22.5, 30.0),
        "defects": (6, 6, 44.4, 44.4, 50.0),
        "absenteeism": (6, 3, 0.0, 7.1, 28.6),
    },
}
AS_AT_END_OF_MARCH_2026 = {
    "smes_trained": 19,
    "workforce_benefited": 2920,
    "classroom_workshops": 13,
    "participants": 310,
    "managers": 109,
    "workers": 201,
    "women": 99,
    "share_managers": 35.2,
    "share_workers": 64.8,
    "share_women": 31.9,
    "satisfaction_recorded": 10,
    "average_satisfaction": 78.6,
    "certified_trainers": 5,
    "active_trainers": 5,
    "training_records": 3,
    "training_record_enterprises": 9,
    "training_record_participants": 162,
    "improvement": {
        "productivity": (19, 19, 15.0, 27.3, 50.0),
        "defects": (19, 19, 44.4, 44.4, 50.0),
        "absenteeism": (19, 13, 0.0, 14.3, 28.6),
    },
}
SCOPES = [
    pytest.param(StatisticsScope(), WHOLE_PROGRAMME, id="whole programme"),
    pytest.param(StatisticsScope(country="IN"), INDIA, id="India"),
    pytest.param(StatisticsScope(year=2025), YEAR_2025, id="year 2025"),
    pytest.param(StatisticsScope(as_at=date(2026, 3, 31)), AS_AT_END_OF_MARCH_2026, id="as at"),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Certification, ReadModels]]:
    """The demo's history (written once: it takes seconds), projected by the live projector."""
    data = Path(tmp_path_factory.mktemp("demo")) / "data"
    settings = migrated(Settings(data_dir=data))
    app = build_certification(settings)
    write_history(app, NOW)
    live = read_models_at(settings.sqlalchemy_url)
    Projector(app, live).catch_up()
    yield app, live
    live.engine.dispose()
    app.close()


def as_compared(stats: ProgrammeStatistics) -> dict[str, Any]:
    """The statistics in the shape of the committed figures."""
    found = asdict(stats)
    del found["scope"], found["as_at"]
    found["improvement"] = {
        r.indicator.value: (r.measurements, r.improved, r.lowest, r.median, r.highest)
        for r in stats.improvement
    }
    return found


@pytest.mark.parametrize(("scope", "expected"), SCOPES)
def test_the_live_read_models_give_the_committed_figures(
    demo: tuple[Certification, ReadModels], scope: StatisticsScope, expected: dict[str, Any]
) -> None:
    _, live = demo
    assert as_compared(programme_statistics(live, scope, today=NOW.date())) == expected


@pytest.mark.parametrize(("scope", "expected"), SCOPES)
def test_counting_the_events_directly_gives_the_same_figures(
    demo: tuple[Certification, ReadModels], scope: StatisticsScope, expected: dict[str, Any]
) -> None:
    app, _ = demo
    module = scope.module.value if scope.module else None
    as_at = scope.as_at or NOW.date()
    assert figures(read_programme(app), scope.country, module, scope.year, as_at) == expected


def test_read_models_rebuilt_from_zero_give_the_same_figures(
    demo: tuple[Certification, ReadModels],
) -> None:
    app, _ = demo
    rebuilt = scratch_read_models()
    rebuild(app, rebuilt)
    for scope, expected in [(p.values[0], p.values[1]) for p in SCOPES]:
        assert isinstance(scope, StatisticsScope)
        assert as_compared(programme_statistics(rebuilt, scope, today=NOW.date())) == expected


def test_one_module_counts_its_own_cycles_and_the_trainers_certified_in_it(
    demo: tuple[Certification, ReadModels],
) -> None:
    _, live = demo
    quality = programme_statistics(live, StatisticsScope(module=Module.QUALITY), NOW.date())
    # The three second-module trainers: one QUALITY cycle each, certified in it, listed.
    assert (quality.classroom_workshops, quality.certified_trainers) == (3, 3)
    assert quality.active_trainers == 3 and quality.training_records == 0


def test_figures_are_rounded_for_people_and_a_scope_with_nothing_has_no_shares(
    demo: tuple[Certification, ReadModels],
) -> None:
    _, live = demo
    nowhere = programme_statistics(live, StatisticsScope(country="Atlantis"), NOW.date())
    assert nowhere.participants == 0 and nowhere.share_women is None
    assert nowhere.average_satisfaction is None and nowhere.improvement == ()
    stats = programme_statistics(live, StatisticsScope(), NOW.date())
    for share in (stats.share_managers, stats.share_workers, stats.share_women):
        assert share is not None and share == round(share, 1)
    assert all(str(r.lowest) != "-0.0" for r in stats.improvement)
