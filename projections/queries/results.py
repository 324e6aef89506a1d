"""Enterprises and their indicators, and the programme's statistics as the source texts quote
them: SMEs trained, participants (managers, workers, women), improvement ranges."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, and_, distinct, func, select

from domain.indicators import Indicator, improvement
from domain.values import Module
from projections.store import ReadModels
from projections.tables import ReadModelTables

Measurements = Mapping[str, float] | None


@dataclass(frozen=True)
class IndicatorResult:
    indicator: Indicator
    baseline: float | None
    latest: float | None
    improvement: float | None  # percent, positive = better; needs both values, baseline ≠ 0


@dataclass(frozen=True)
class Participation:
    """An enterprise's part in one ToE cycle of one candidate."""

    journey_id: str
    cycle_number: int
    module: Module
    trainer_id: str
    trainer_name: str | None
    expert_id: str | None  # who supervised the cycle: it decides who may read it
    classroom_held_on: date | None  # None until the cycle's classroom workshop is delivered
    coaching_visits: int
    reports: int
    indicators: tuple[IndicatorResult, ...]


@dataclass(frozen=True)
class EnterpriseResults:
    enterprise_id: str
    name: str
    country: str
    sector: str
    employees: int
    women_employees: int
    size_warning: str | None
    registered_at: datetime
    participations: tuple[Participation, ...]


@dataclass(frozen=True)
class ImprovementRange:
    indicator: Indicator
    measurements: int  # (enterprise, ToE cycle) pairs with a baseline and a progress report
    lowest: float
    highest: float
    improved: int  # measurements that got better


@dataclass(frozen=True)
class ProgrammeStatistics:
    smes_trained: int  # distinct enterprises in a cycle whose classroom workshop was delivered
    classroom_workshops: int
    participants: int  # managers + workers, summed over classroom workshops
    managers: int
    workers: int
    women: int  # counted among the participants
    certified_trainers: int
    listed_trainers: int
    improvement: tuple[ImprovementRange, ...]  # one per indicator measured at least once

    @property
    def share_managers(self) -> float | None:
        return self.managers / self.participants if self.participants else None

    @property
    def share_workers(self) -> float | None:
        return self.workers / self.participants if self.participants else None

    @property
    def share_women(self) -> float | None:
        return self.women / self.participants if self.participants else None


def enterprises(read: ReadModels, enterprise_id: str | None = None) -> list[EnterpriseResults]:
    """Enterprises by country and name, each with its ToE cycles and indicators."""
    e = read.tables.enterprises
    query = select(e).order_by(e.c.country, e.c.name, e.c.enterprise_id)
    if enterprise_id is not None:
        query = query.where(e.c.enterprise_id == enterprise_id)
    with read.connect() as conn:
        found = conn.execute(query).all()
        taking_part = conn.execute(_participations(read.tables, enterprise_id)).all()
    by_enterprise: defaultdict[str, list[Participation]] = defaultdict(list)
    for row in taking_part:
        by_enterprise[row.enterprise_id].append(_participation(row))
    return [_enterprise(row, by_enterprise[row.enterprise_id]) for row in found]


def indicator_results(baseline: Measurements, latest: Measurements) -> tuple[IndicatorResult, ...]:
    """Each indicator measured at baseline or since, with the domain's improvement."""
    baseline, latest = baseline or {}, latest or {}
    results = []
    for indicator in Indicator:
        before, after = baseline.get(indicator.value), latest.get(indicator.value)
        if before is None and after is None:
            continue
        gain = None if before is None or after is None else improvement(indicator, before, after)
        results.append(IndicatorResult(indicator, before, after, gain))
    return tuple(results)


def programme_statistics(read: ReadModels) -> ProgrammeStatistics:
    t = read.tables
    cw, te = t.classroom_workshops, t.toe_enterprises
    totals = select(
        func.count(),
        func.coalesce(func.sum(cw.c.managers), 0),
        func.coalesce(func.sum(cw.c.workers), 0),
        func.coalesce(func.sum(cw.c.women), 0),
    )
    trained = select(func.count(distinct(te.c.enterprise_id))).select_from(
        te.join(cw, _same_cycle(t))
    )
    certified = select(func.count()).where(t.trainers.c.certificate_number.is_not(None))
    with read.connect() as conn:
        workshops, managers, workers, women = conn.execute(totals).one()
        smes = conn.scalar(trained) or 0
        certified_trainers = conn.scalar(certified) or 0
        listed = conn.scalar(select(func.count()).select_from(t.public_trainers)) or 0
        reported = conn.execute(select(te.c.baseline, te.c.latest).where(te.c.reports > 0)).all()
    return ProgrammeStatistics(
        smes_trained=smes,
        classroom_workshops=workshops,
        participants=managers + workers,
        managers=managers,
        workers=workers,
        women=women,
        certified_trainers=certified_trainers,
        listed_trainers=listed,
        improvement=_ranges(indicator_results(r.baseline, r.latest) for r in reported),
    )


def _ranges(measured: Iterable[tuple[IndicatorResult, ...]]) -> tuple[ImprovementRange, ...]:
    gains: defaultdict[Indicator, list[float]] = defaultdict(list)
    for results in measured:
        for result in results:
            if result.improvement is not None:
                gains[result.indicator].append(result.improvement)
    return tuple(
        ImprovementRange(
            i, len(gains[i]), min(gains[i]), max(gains[i]), sum(g > 0 for g in gains[i])
        )
        for i in Indicator
        if gains[i]
    )


def _same_cycle(t: ReadModelTables) -> Any:
    te, cw = t.toe_enterprises, t.classroom_workshops
    return and_(te.c.journey_id == cw.c.journey_id, te.c.cycle_number == cw.c.cycle_number)


def _participations(t: ReadModelTables, enterprise_id: str | None) -> Any:
    te, cw, tr, j = t.toe_enterprises, t.classroom_workshops, t.trainers, t.journeys
    query = (
        select(te, tr.c.name.label("trainer_name"), j.c.expert_id, cw.c.held_on)
        .outerjoin(cw, _same_cycle(t))
        .outerjoin(tr, tr.c.trainer_id == te.c.trainer_id)
        .outerjoin(j, j.c.journey_id == te.c.journey_id)
        .order_by(te.c.journey_id, te.c.cycle_number)
    )
    if enterprise_id is not None:
        query = query.where(te.c.enterprise_id == enterprise_id)
    return query


def _participation(row: Row[Any]) -> Participation:
    return Participation(
        journey_id=row.journey_id,
        cycle_number=row.cycle_number,
        module=Module(row.module),
        trainer_id=row.trainer_id,
        trainer_name=row.trainer_name,
        expert_id=row.expert_id,
        classroom_held_on=row.held_on,
        coaching_visits=row.coaching_visits,
        reports=row.reports,
        indicators=indicator_results(row.baseline, row.latest),
    )


def _enterprise(row: Row[Any], participations: list[Participation]) -> EnterpriseResults:
    return EnterpriseResults(
        enterprise_id=row.enterprise_id,
        name=row.name,
        country=row.country,
        sector=row.sector,
        employees=row.employees,
        women_employees=row.women_employees,
        size_warning=row.size_warning,
        registered_at=row.registered_at,
        participations=tuple(participations),
    )
