"""Enterprises and their indicators: per ToE cycle, baseline, latest and improvement.
The programme's totals are in projections/queries/statistics.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, and_, select

from domain.indicators import Indicator, improvement
from domain.size_warnings import SizeWarning
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
    size_warning: SizeWarning | None  # its English `detail`, `code` and `params`
    registered_at: datetime
    participations: tuple[Participation, ...]


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
        size_warning=_warning(row),
        registered_at=row.registered_at,
        participations=tuple(participations),
    )


def _warning(row: Row[Any]) -> SizeWarning | None:
    if row.size_warning is None:
        return None
    if row.size_warning_code is None:  # recorded before warnings had a code
        return SizeWarning.as_recorded(row.size_warning)
    return SizeWarning(row.size_warning, row.size_warning_code, dict(row.size_warning_params or {}))
