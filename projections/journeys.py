"""Journey read models: each journey's stage and next action, its ToE enterprises with their
indicators, its classroom workshops, and the stall reminders sent about it."""

from __future__ import annotations

from collections.abc import Mapping

from domain.journey import rules
from domain.journey.aggregate import Journey
from domain.journey.state import EnterpriseProgress, JourneyState, ToECycle
from domain.journey.steps import DeliverClassroomWorkshop, SelectEnterprise
from projections.states import Tracked
from projections.tables import ReadModelTables
from projections.writes import Changes, Row


def journey_row(tracked: Tracked[JourneyState], enterprise_names: Mapping[str, str]) -> Row:
    """Where the journey stands; the next action comes from the domain's own rules, naming
    enterprises by their names."""
    state, cycle = tracked.state, tracked.state.cycle
    action = rules.next_action(state, enterprise_names)
    return {
        "journey_id": state.journey_id,
        "trainer_id": state.trainer_id,
        "module": state.module.value,
        "workshop_id": state.workshop_id,
        "expert_id": state.expert_id,
        "stage": state.stage.value,
        "is_open": state.is_open,
        "cycle_number": state.cycles_started,
        "provisional_given": state.provisional_given,
        "enterprises_selected": len(cycle.enterprises) if cycle else 0,
        "classroom_delivered": bool(cycle and cycle.classroom_delivered),
        "next_action_by": action.who.value if action.who else None,
        "next_action": action.what,
        "enrolled_at": state.enrolled_at,
        "last_step_at": state.last_step_at,
        # A closed journey takes no further step, so its last step is when it ended.
        "ended_at": None if state.is_open else state.last_step_at,
        "withdrawal_reason": state.withdrawal_reason,
        "stall_reminded": state.stall_reminded_for == state.last_step_at,
        "version": tracked.version,
    }


def record_journey_facts(
    event: Journey.Event, state: JourneyState, t: ReadModelTables, changes: Changes
) -> None:
    """Rows that belong to one step rather than to the journey as a whole."""
    match event:
        case (
            Journey.EnterpriseSelected()
            | Journey.BaselineAssessmentRecorded()
            | Journey.CoachingVisitRecorded()
            | Journey.ProgressReported()
        ):
            _put_enterprise_progress(state, event.enterprise_id, t, changes)
        case Journey.ClassroomWorkshopDelivered():
            step = DeliverClassroomWorkshop(
                event.held_on, event.managers, event.workers, event.women, event.satisfaction
            )
            _put_classroom(state, _current_cycle(state), step, t, changes)
        case Journey.StepAmended() | Journey.StepVoided():
            _put_corrected_cycles(state, t, changes)
        case Journey.StallReminderSent():
            changes.put(
                t.stall_reminders,
                {
                    "journey_id": state.journey_id,
                    "waiting_since": event.waiting_since,
                    "next_action": event.next_action,
                    "sent_at": event.timestamp,
                },
            )


def _put_classroom(
    state: JourneyState,
    cycle: ToECycle,
    step: DeliverClassroomWorkshop,
    t: ReadModelTables,
    changes: Changes,
) -> None:
    changes.put(
        t.classroom_workshops,
        {
            "journey_id": state.journey_id,
            "cycle_number": cycle.number,
            "trainer_id": state.trainer_id,
            "module": state.module.value,
            "held_on": step.held_on,
            "managers": step.managers,
            "workers": step.workers,
            "women": step.women,
            "satisfaction": step.satisfaction,
            "enterprises": len(cycle.enterprises),
        },
    )


def _put_corrected_cycles(state: JourneyState, t: ReadModelTables, changes: Changes) -> None:
    """After a correction, every ToE cycle's rows again, from the steps as corrected: an
    amended value replaces the recorded one, a voided step's row goes (a struck-out
    selection, or classroom workshop) or stops counting (a visit, a report)."""
    cycles: dict[int, ToECycle] = {}
    for entry, after in rules.replayed(state):
        cycle = after.cycle
        if cycle is None:  # the ToT result, before any cycle
            continue
        cycles[cycle.number] = cycle  # each cycle as it last stood
        key = (state.journey_id, cycle.number)
        match entry.step:
            case DeliverClassroomWorkshop() if entry.voided:
                changes.remove(t.classroom_workshops, key)
            case DeliverClassroomWorkshop():
                _put_classroom(state, cycle, entry.step, t, changes)
            case SelectEnterprise() if entry.voided:
                changes.remove(t.toe_enterprises, (*key, entry.step.enterprise_id))
            case _:
                pass
    for cycle in cycles.values():
        for progress in cycle.enterprises:
            _put_progress(state, cycle, progress, t, changes)


def _current_cycle(state: JourneyState) -> ToECycle:
    assert state.cycle is not None, "a ToE step was recorded outside a ToE cycle"
    return state.cycle


def _put_enterprise_progress(
    state: JourneyState, enterprise_id: str, t: ReadModelTables, changes: Changes
) -> None:
    # Written as the step happens: a provisional outcome later replaces the cycle in the
    # state, and these rows keep what the earlier cycle achieved.
    cycle = _current_cycle(state)
    progress = cycle.enterprise(enterprise_id)
    assert progress is not None, f"enterprise {enterprise_id} is not in the current cycle"
    _put_progress(state, cycle, progress, t, changes)


def _put_progress(
    state: JourneyState,
    cycle: ToECycle,
    progress: EnterpriseProgress,
    t: ReadModelTables,
    changes: Changes,
) -> None:
    changes.put(
        t.toe_enterprises,
        {
            "journey_id": state.journey_id,
            "cycle_number": cycle.number,
            "enterprise_id": progress.enterprise_id,
            "trainer_id": state.trainer_id,
            "module": state.module.value,
            "baseline": progress.baseline,
            "coaching_visits": progress.coaching_visits,
            "reports": progress.reports,
            "latest": progress.latest,
        },
    )
