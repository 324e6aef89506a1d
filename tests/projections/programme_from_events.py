"""The programme's statistics counted straight from the stored events, by a route of its own.

Nothing here reads a read model or calls the projections: it walks the notification log once,
keeps plain dictionaries, and counts as docs/projections.md defines the figures, so that a
mistake in the projector or in the statistics query cannot hide behind itself.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from domain.indicators import Indicator, improvement
from service.app.certification import Certification

Cycle = tuple[str, int]  # (journey id, cycle number)


@dataclass
class Programme:
    country: dict[str, str] = field(default_factory=dict)  # trainer -> country
    employees: dict[str, int] = field(default_factory=dict)  # enterprise -> employees
    journey: dict[str, tuple[str, str]] = field(default_factory=dict)  # -> (trainer, module)
    cycle: dict[str, int] = field(default_factory=dict)  # journey -> current cycle number
    selected: defaultdict[Cycle, list[str]] = field(default_factory=lambda: defaultdict(list))
    baseline: dict[tuple[Cycle, str], dict[str, float]] = field(default_factory=dict)
    latest: dict[tuple[Cycle, str], dict[str, float]] = field(default_factory=dict)
    classroom: dict[Cycle, Any] = field(default_factory=dict)  # the delivered event
    certified_at: dict[str, datetime] = field(default_factory=dict)
    modules: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    listing: defaultdict[str, list[tuple[datetime, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    records: list[Any] = field(default_factory=list)


def read_programme(app: Certification) -> Programme:
    p = Programme()
    for notification in app.recorder.select_notifications(start=1, limit=1_000_000):
        _take(p, app.mapper.to_domain_event(notification))
    return p


def _take(p: Programme, e: Any) -> None:  # one case per event kind, flat on purpose
    kind, key = type(e).__qualname__, str(e.originator_id)
    if kind == "Trainer.Registered":
        p.country[key] = e.country
    elif kind == "Enterprise.Registered":
        p.employees[key] = e.employees
    elif kind == "Journey.Enrolled":
        p.journey[key] = (e.trainer_id, e.module)
    elif kind == "Journey.ToTResultRecorded" and e.completed:
        p.cycle[key] = 1
    elif kind == "Journey.CycleAssessed" and e.outcome == "provisional":
        p.cycle[key] += 1
    elif kind == "Journey.EnterpriseSelected":
        p.selected[(key, p.cycle[key])].append(e.enterprise_id)
    elif kind == "Journey.BaselineAssessmentRecorded":
        p.baseline[((key, p.cycle[key]), e.enterprise_id)] = e.indicators
    elif kind == "Journey.ProgressReported":
        p.latest[((key, p.cycle[key]), e.enterprise_id)] = e.indicators
    elif kind == "Journey.ClassroomWorkshopDelivered":
        p.classroom[(key, p.cycle[key])] = e
    elif kind == "Trainer.CertificateIssued":
        p.certified_at[key] = e.timestamp
        p.modules[key].append(e.module)
        p.listing[key].append((e.timestamp, "listed"))
    elif kind == "Trainer.ModuleCertified":
        p.modules[key].append(e.module)
    elif kind in {"Trainer.DelistedForInactivity", "Trainer.RemovedForCause"}:
        p.listing[key].append((e.timestamp, "delisted"))
    elif kind == "Trainer.Reinstated":
        p.listing[key].append((e.timestamp, "listed"))
    elif kind == "Trainer.TrainingRecordSubmitted":
        p.records.append((key, e))


def figures(
    p: Programme,
    country: str | None = None,
    module: str | None = None,
    year: int | None = None,
    as_at: date = date.max,
) -> dict[str, Any]:
    """The figures a scope holds, rounded to one decimal where a person reads them."""
    last_day = min(as_at, date(year, 12, 31) if year else date.max)
    end = datetime.combine(last_day, time.max, UTC)

    def counts(trainer: str, mod: str, day: date) -> bool:
        return (
            (country is None or p.country[trainer] == country)
            and (module is None or mod == module)
            and day <= last_day
            and (year is None or day.year == year)
        )

    held = {c: e for c, e in p.classroom.items() if counts(*p.journey[c[0]], e.held_on)}
    managers = sum(e.managers for e in held.values())
    workers = sum(e.workers for e in held.values())
    women = sum(e.women for e in held.values())
    asked = [e for e in held.values() if e.satisfaction is not None]
    weight = sum(e.managers + e.workers for e in asked)
    trained = {ent for c in held for ent in p.selected[c]}
    certified = {
        t
        for t, at in p.certified_at.items()
        if at <= end
        and (country is None or p.country[t] == country)
        and (module is None or module in p.modules[t])
    }
    active = {t for t in certified if [s for at, s in p.listing[t] if at <= end][-1] == "listed"}
    records = [e for t, e in p.records if t in certified and counts(t, e.module, e.delivered_on)]
    return {
        "smes_trained": len(trained),
        "workforce_benefited": sum(p.employees[ent] for ent in trained),
        "classroom_workshops": len(held),
        "participants": managers + workers,
        "managers": managers,
        "workers": workers,
        "women": women,
        "share_managers": _share(managers, managers + workers),
        "share_workers": _share(workers, managers + workers),
        "share_women": _share(women, managers + workers),
        "satisfaction_recorded": len(asked),
        "average_satisfaction": _round(
            sum(e.satisfaction * (e.managers + e.workers) for e in asked) / weight
        )
        if weight
        else None,
        "certified_trainers": len(certified),
        "active_trainers": len(active),
        "training_records": len(records),
        "training_record_enterprises": sum(e.enterprises for e in records),
        "training_record_participants": sum(e.participants for e in records),
        "improvement": _improvement(p, held),
    }


def _improvement(p: Programme, held: dict[Cycle, Any]) -> dict[str, tuple[Any, ...]]:
    gains: defaultdict[str, list[float]] = defaultdict(list)
    for cycle in held:
        for enterprise in p.selected[cycle]:
            before = p.baseline.get((cycle, enterprise), {})
            after = p.latest.get((cycle, enterprise))
            for name, value in (after or {}).items():
                if name in before:
                    gain = improvement(name, before[name], value)
                    if gain is not None:
                        gains[name].append(gain)
    return {
        i.value: (
            len(gains[i.value]),
            sum(g > 0 for g in gains[i.value]),
            _round(min(gains[i.value])),
            _round(statistics.median(gains[i.value])),
            _round(max(gains[i.value])),
        )
        for i in Indicator
        if gains[i.value]
    }


def _share(part: int, whole: int) -> float | None:
    return _round(100 * part / whole) if whole else None


def _round(value: float) -> float:
    return round(value, 1) + 0.0
