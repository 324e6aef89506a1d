"""The programme's statistics as the source texts report them (seed 002), for the whole
programme or one country, one module, one year, as at any date.

Definitions (docs/projections.md, "Programme statistics"): a ToE cycle's figures count in the
country of the trainer who ran it, in its journey's module, and in the year its classroom
workshop was held; trainers count in their own country. "As at" a date counts what had
happened by the end of that day by the dates recorded (the classroom's date, the
certification, the listing changes, the training's date), so past records imported later
count at their real dates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Row, select

from domain.indicators import Indicator
from domain.trainer.state import Listing
from domain.values import Module
from projections.queries.figures import for_people, median, percent, weighted_mean
from projections.queries.listing import modules
from projections.queries.results import indicator_results
from projections.store import ReadModels


@dataclass(frozen=True)
class StatisticsScope:
    """Which part of the programme: every filter left out means all of it."""

    country: str | None = None
    module: Module | None = None
    year: int | None = None
    as_at: date | None = None  # None: today

    def period_end(self, today: date) -> datetime:
        """The last moment counted: the end of the year or of the as-at day, whichever first."""
        last_day = min(self.as_at or today, date(self.year, 12, 31) if self.year else date.max)
        return datetime.combine(last_day, time.max, UTC)

    def includes_day(self, day: date, end: datetime) -> bool:
        return day <= end.date() and (self.year is None or day.year == self.year)


@dataclass(frozen=True)
class ImprovementRange:
    """Per indicator, over every (enterprise, ToE cycle) with a baseline and a progress report
    giving it (baseline not zero): improvement in percent, positive = better."""

    indicator: Indicator
    measurements: int
    improved: int  # measurements that got better
    lowest: float
    median: float
    highest: float


@dataclass(frozen=True)
class ProgrammeStatistics:
    scope: StatisticsScope
    as_at: date  # the last day counted
    smes_trained: int  # distinct enterprises of cycles whose classroom workshop was held
    workforce_benefited: int  # employees of those enterprises
    classroom_workshops: int
    participants: int  # managers + workers, over the classroom workshops
    managers: int
    workers: int
    women: int  # counted among the participants
    share_managers: float | None  # percent of the participants
    share_workers: float | None
    share_women: float | None
    satisfaction_recorded: int  # classroom workshops whose participants were asked
    average_satisfaction: float | None  # percent, weighted by those workshops' participants
    certified_trainers: int  # holding a certificate of competence at the period's end
    active_trainers: int  # of them, on the public list at the period's end
    training_records: int  # certified trainers' own trainings, delivered in the period
    training_record_enterprises: int
    training_record_participants: int
    improvement: tuple[ImprovementRange, ...] = field(default=())


@dataclass(frozen=True)
class StatisticsChoices:
    """What the statistics can be narrowed to: the trainers' countries (ISO codes) and the
    years in which something counted happened (a classroom workshop, a certification, a
    trainer's own training), each sorted."""

    countries: tuple[str, ...]
    years: tuple[int, ...]


@dataclass(frozen=True)
class StatisticsRecords:
    """The read models' rows the statistics are counted from, read once (`statistics_records`):
    a page asks for its choices and for many scopes' figures from one reading."""

    countries: dict[str, str]  # trainer id → country
    classrooms: Sequence[Row[Any]]
    taught: Sequence[Row[Any]]
    trainers: Sequence[Row[Any]]
    changes: Sequence[Row[Any]]
    records: Sequence[Row[Any]]

    def choices(self) -> StatisticsChoices:
        days = [c.held_on for c in self.classrooms]
        days += [r.delivered_on for r in self.records]
        days += [t.certified_at.date() for t in self.trainers if t.certified_at is not None]
        return StatisticsChoices(
            tuple(sorted(set(self.countries.values()))), tuple(sorted({d.year for d in days}))
        )

    def counted(
        self, scopes: Sequence[StatisticsScope], today: date | None = None
    ) -> list[ProgrammeStatistics]:
        """The statistics of each scope (a chart's bars), as at `today` (else today)."""
        day = today or datetime.now(UTC).date()
        return [_counted(self, scope, day) for scope in scopes]


def programme_statistics(
    read: ReadModels, scope: StatisticsScope | None = None, today: date | None = None
) -> ProgrammeStatistics:
    (found,) = statistics_records(read).counted([scope or StatisticsScope()], today)
    return found


def statistics_records(read: ReadModels) -> StatisticsRecords:
    with read.connect() as conn:
        return StatisticsRecords(
            countries={r.trainer_id: r.country for r in conn.execute(_trainer_countries(read))},
            classrooms=conn.execute(select(read.tables.classroom_workshops)).all(),
            taught=conn.execute(_taught_enterprises(read)).all(),
            trainers=conn.execute(select(read.tables.trainers)).all(),
            changes=conn.execute(select(read.tables.listing_changes)).all(),
            records=conn.execute(select(read.tables.training_records)).all(),
        )


def _counted(
    recorded: StatisticsRecords, scope: StatisticsScope, today: date
) -> ProgrammeStatistics:
    end = scope.period_end(today)

    def in_scope(row: Row[Any], day: date) -> bool:
        return (
            (scope.country is None or recorded.countries.get(row.trainer_id) == scope.country)
            and (scope.module is None or row.module == scope.module.value)
            and scope.includes_day(day, end)
        )

    held = [c for c in recorded.classrooms if in_scope(c, c.held_on)]
    trained = [e for e in recorded.taught if in_scope(e, e.held_on)]
    certified = _certified_by(recorded.trainers, scope, end)
    return _statistics(
        scope,
        end,
        held,
        trained,
        certified,
        _listed_at(recorded.changes, end),
        [r for r in recorded.records if r.trainer_id in certified and in_scope(r, r.delivered_on)],
    )


def _statistics(
    scope: StatisticsScope,
    end: datetime,
    held: Sequence[Row[Any]],
    trained: Sequence[Row[Any]],
    certified: set[str],
    listed: set[str],
    records: Sequence[Row[Any]],
) -> ProgrammeStatistics:
    managers, workers = sum(c.managers for c in held), sum(c.workers for c in held)
    women, participants = sum(c.women for c in held), managers + workers
    asked = [(c.satisfaction, c.managers + c.workers) for c in held if c.satisfaction is not None]
    employees = {e.enterprise_id: e.employees for e in trained}
    return ProgrammeStatistics(
        scope=scope,
        as_at=end.date(),
        smes_trained=len(employees),
        workforce_benefited=sum(employees.values()),
        classroom_workshops=len(held),
        participants=participants,
        managers=managers,
        workers=workers,
        women=women,
        share_managers=percent(managers, participants),
        share_workers=percent(workers, participants),
        share_women=percent(women, participants),
        satisfaction_recorded=len(asked),
        average_satisfaction=weighted_mean(asked),
        certified_trainers=len(certified),
        active_trainers=len(certified & listed),
        training_records=len(records),
        training_record_enterprises=sum(r.enterprises for r in records),
        training_record_participants=sum(r.participants for r in records),
        improvement=improvement_ranges(
            indicator_results(e.baseline, e.latest) for e in trained if e.reports > 0
        ),
    )


def improvement_ranges(measured: Iterable[Iterable[Any]]) -> tuple[ImprovementRange, ...]:
    """Each indicator's measurements (IndicatorResult), as ranges and medians."""
    gains: defaultdict[Indicator, list[float]] = defaultdict(list)
    for results in measured:
        for result in results:
            if result.improvement is not None:
                gains[result.indicator].append(result.improvement)
    return tuple(_range(i, gains[i]) for i in Indicator if gains[i])


def _range(indicator: Indicator, gains: list[float]) -> ImprovementRange:
    middle = median(gains)
    lowest, highest = for_people(min(gains)), for_people(max(gains))
    assert middle is not None and lowest is not None and highest is not None
    return ImprovementRange(
        indicator, len(gains), sum(g > 0 for g in gains), lowest, middle, highest
    )


def _certified_by(trainers: Sequence[Row[Any]], scope: StatisticsScope, end: datetime) -> set[str]:
    """Trainers holding a certificate at `end`, in the scope's country and module."""
    return {
        t.trainer_id
        for t in trainers
        if t.certified_at is not None
        and t.certified_at <= end
        and (scope.country is None or t.country == scope.country)
        and (scope.module is None or scope.module in modules(t.modules))
    }


def _listed_at(changes: Sequence[Row[Any]], end: datetime) -> set[str]:
    """Trainers whose last listing change by `end` put them on the public list."""
    latest: dict[str, Row[Any]] = {}
    for change in sorted(changes, key=lambda c: (c.changed_at, c.event_version)):
        if change.changed_at <= end:
            latest[change.trainer_id] = change
    return {t for t, change in latest.items() if change.listing == Listing.LISTED.value}


def _trainer_countries(read: ReadModels) -> Any:
    t = read.tables.trainers
    return select(t.c.trainer_id, t.c.country)


def _taught_enterprises(read: ReadModels) -> Any:
    """Each (enterprise, ToE cycle) whose classroom workshop was held, with its size."""
    t = read.tables
    te, cw, e = t.toe_enterprises, t.classroom_workshops, t.enterprises
    return (
        select(te, cw.c.held_on, e.c.employees)
        .join(cw, (te.c.journey_id == cw.c.journey_id) & (te.c.cycle_number == cw.c.cycle_number))
        .join(e, e.c.enterprise_id == te.c.enterprise_id)
    )
