"""Journeys as their trainer sees them, and the expert's worklist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select

from domain.journey.state import Stage
from domain.values import Module, Role
from projections.queries.people import records_of
from projections.store import ReadModels


@dataclass(frozen=True)
class JourneyView:
    journey_id: str
    trainer_id: str
    trainer_name: str | None
    module: Module
    workshop_id: str
    workshop_code: str | None
    expert_id: str
    expert_name: str | None
    stage: Stage
    is_open: bool
    cycle_number: int  # ToE cycles started: 0 before the ToT result, 2 after a provisional
    next_action_by: Role | None  # None once the journey has ended
    next_action: str
    enrolled_at: datetime
    last_step_at: datetime
    ended_at: datetime | None
    withdrawal_reason: str | None


@dataclass(frozen=True)
class WorklistItem:
    journey: JourneyView
    overdue: bool  # no step for at least the stall period
    days_waiting: int
    expert_must_act: bool
    reminded_at: datetime | None  # the stall reminder sent about the current wait, if any


def journeys_of_trainer(read: ReadModels, trainer_id: str) -> list[JourneyView]:
    """Every journey of the person, oldest first, with its current stage and next action;
    a person's records merged into one are one person."""
    j = read.tables.journeys
    _, records = records_of(read, trainer_id)
    query = journeys_query(read).where(j.c.trainer_id.in_(records))
    with read.connect() as conn:
        rows = conn.execute(query.order_by(j.c.enrolled_at, j.c.journey_id)).all()
    return [journey_view(row) for row in rows]


def journey(read: ReadModels, journey_id: str) -> JourneyView | None:
    query = journeys_query(read).where(read.tables.journeys.c.journey_id == journey_id)
    with read.connect() as conn:
        row = conn.execute(query).first()
    return journey_view(row) if row else None


def expert_worklist(
    read: ReadModels, expert_id: str, now: datetime, stall_after: timedelta
) -> list[WorklistItem]:
    """The expert's candidates on open journeys: overdue first, then the longest waiting.

    Overdue means no step for `stall_after` (the stall period of the policy version in force,
    else the configured one: `service/http/answers.py::stall_period`) before `now`, the test
    the stall reminders use.
    """
    j = read.tables.journeys
    return _worklist(read, j.c.expert_id == expert_id, now, stall_after)


def office_worklist(read: ReadModels, now: datetime, stall_after: timedelta) -> list[WorklistItem]:
    """Open journeys, under every expert, whose next step is the programme office's (a
    recommended candidate to certify): overdue first, then the longest waiting."""
    j = read.tables.journeys
    return _worklist(read, j.c.next_action_by == Role.HQ.value, now, stall_after)


def _worklist(
    read: ReadModels, whose: ColumnElement[bool], now: datetime, stall_after: timedelta
) -> list[WorklistItem]:
    j, reminders = read.tables.journeys, read.tables.stall_reminders
    current_wait = and_(
        reminders.c.journey_id == j.c.journey_id, reminders.c.waiting_since == j.c.last_step_at
    )
    query = (
        journeys_query(read)
        .add_columns(reminders.c.sent_at.label("reminded_at"))
        .outerjoin(reminders, current_wait)
        .where(whose, j.c.is_open)
    )
    with read.connect() as conn:
        rows = conn.execute(query).all()
    items = [_worklist_item(row, now, stall_after) for row in rows]
    return sorted(items, key=lambda i: (not i.overdue, i.journey.last_step_at))


def journeys_query(read: ReadModels) -> Select[Any]:
    t = read.tables
    j, workshops = t.journeys, t.workshops
    trainer, expert = t.trainers.alias("trainer"), t.trainers.alias("expert")
    return (
        select(
            j,
            trainer.c.name.label("trainer_name"),
            expert.c.name.label("expert_name"),
            workshops.c.code.label("workshop_code"),
        )
        .outerjoin(trainer, trainer.c.trainer_id == j.c.trainer_id)
        .outerjoin(expert, expert.c.trainer_id == j.c.expert_id)
        .outerjoin(workshops, workshops.c.workshop_id == j.c.workshop_id)
    )


def journey_view(row: Any) -> JourneyView:
    return JourneyView(
        journey_id=row.journey_id,
        trainer_id=row.trainer_id,
        trainer_name=row.trainer_name,
        module=Module(row.module),
        workshop_id=row.workshop_id,
        workshop_code=row.workshop_code,
        expert_id=row.expert_id,
        expert_name=row.expert_name,
        stage=Stage(row.stage),
        is_open=row.is_open,
        cycle_number=row.cycle_number,
        next_action_by=Role(row.next_action_by) if row.next_action_by else None,
        next_action=row.next_action,
        enrolled_at=row.enrolled_at,
        last_step_at=row.last_step_at,
        ended_at=row.ended_at,
        withdrawal_reason=row.withdrawal_reason,
    )


def _worklist_item(row: Any, now: datetime, stall_after: timedelta) -> WorklistItem:
    journey = journey_view(row)
    waiting = now - journey.last_step_at
    return WorklistItem(
        journey=journey,
        overdue=waiting >= stall_after,
        days_waiting=max(waiting.days, 0),
        expert_must_act=journey.next_action_by is Role.EXPERT,
        reminded_at=row.reminded_at,
    )
