"""Which steps a journey can take now, and the one it waits for: read from its state.

`rules.check` stays the judge of every step; this says what to offer (a form per step that
the rules would let through now, the next one first) and what the journey waits for
(`awaited`: the JSON answers' `next_step`, the journey page's "What comes next").
`pending_step` agrees with `rules.next_action` on who must act.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from domain.journey.rules import next_action
from domain.journey.state import JourneyState, Stage, ToECycle
from domain.values import Role


@dataclass(frozen=True)
class StepOpen:
    """A step the journey can take now: its kind (a step's `kind`, a policy `Action`), who
    normally takes it, and the enterprise it is about, if any."""

    kind: str
    who: Role
    enterprise_id: str | None = None


def pending_step(state: JourneyState) -> StepOpen | None:
    """The step the journey waits for; None once it has ended."""
    match state.stage:
        case Stage.ENROLLED:
            return StepOpen("tot_result", Role.EXPERT)
        case Stage.TOE_CYCLE if state.cycle is not None:
            return _pending_in_cycle(state.cycle)
        case Stage.RECOMMENDED:
            return StepOpen("certification", Role.HQ)
        case _:
            return None


@dataclass(frozen=True)
class Awaited:
    """What the journey waits for: who must act, the sentence, the step, the enterprise it is
    about, and the last day before it counts as overdue (its stall reminder goes out after).
    Once the journey has ended it waits for nothing: `who`, `step` and `due_on` are None."""

    who: Role | None
    what: str
    step: str | None = None
    enterprise_id: str | None = None
    due_on: date | None = None


def awaited(
    state: JourneyState, stall_after: timedelta, names: Mapping[str, str] | None = None
) -> Awaited:
    """`stall_after`: the stall period in force (a journey waits that long for a step before
    it is overdue); `names`: enterprise id → name, for the sentence."""
    action = next_action(state, names)
    pending = pending_step(state)
    if pending is None:
        return Awaited(action.who, action.what)
    due_on = (state.last_step_at + stall_after).date()
    return Awaited(action.who, action.what, pending.kind, pending.enterprise_id, due_on)


def _pending_in_cycle(cycle: ToECycle) -> StepOpen:
    if cycle.complete:
        return StepOpen("assessment", Role.EXPERT)
    if not cycle.enterprises:
        return StepOpen("select_enterprise", Role.TRAINER)
    if not cycle.classroom_delivered:
        pending = [e.enterprise_id for e in cycle.enterprises if not e.assessed]
        if pending:
            return StepOpen("baseline_assessment", Role.TRAINER, pending[0])
        return StepOpen("classroom_workshop", Role.TRAINER)
    unvisited = [e.enterprise_id for e in cycle.enterprises if e.coaching_visits == 0]
    if unvisited:
        return StepOpen("coaching_visit", Role.TRAINER, unvisited[0])
    unreported = [e.enterprise_id for e in cycle.enterprises if e.reports == 0]
    return StepOpen("progress_report", Role.TRAINER, unreported[0])


def open_steps(state: JourneyState) -> list[StepOpen]:
    """Every step the rules would allow now (the withdrawal too, while the journey is open),
    the pending one first; an enterprise-less kind stands for any enterprise it may name."""
    found: list[StepOpen] = []
    match state.stage:
        case Stage.ENROLLED:
            found.append(StepOpen("tot_result", Role.EXPERT))
        case Stage.TOE_CYCLE if state.cycle is not None:
            found.extend(_open_in_cycle(state.cycle))
        case Stage.RECOMMENDED:
            found.append(StepOpen("certification", Role.HQ))
    if state.is_open and state.stage is not Stage.CERTIFIED:
        found.append(StepOpen("withdrawal", Role.TRAINER))
    pending = pending_step(state)
    return sorted(found, key=lambda step: step != pending)


def _open_in_cycle(cycle: ToECycle) -> list[StepOpen]:
    steps: list[StepOpen] = []
    if not cycle.classroom_delivered:
        steps.append(StepOpen("select_enterprise", Role.TRAINER))
        steps += [
            StepOpen("baseline_assessment", Role.TRAINER, e.enterprise_id)
            for e in cycle.enterprises
            if not e.assessed
        ]
        if cycle.enterprises and all(e.assessed for e in cycle.enterprises):
            steps.append(StepOpen("classroom_workshop", Role.TRAINER))
        return steps
    steps += [StepOpen("coaching_visit", Role.TRAINER, e.enterprise_id) for e in cycle.enterprises]
    steps += [
        StepOpen("progress_report", Role.TRAINER, e.enterprise_id)
        for e in cycle.enterprises
        if e.coaching_visits > 0
    ]
    if cycle.complete:
        steps.append(StepOpen("assessment", Role.EXPERT))
    return steps
