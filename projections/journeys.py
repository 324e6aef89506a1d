"""Journey read models: each journey's stage and next action, its ToE enterprises with their
indicators, its classroom workshops, and the stall reminders sent about it."""

from __future__ import annotations

from collections.abc import Mapping

from domain.journey import rules
from domain.journey.aggregate import Journey
from domain.journey.state import JourneyState, ToECycle
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
            cycle = _current_cycle(state)
            changes.put(
                t.classroom_workshops,
                {
                    "journey_id": state.journey_id,
                    "cycle_number": cycle.number,
                    "trainer_id": state.trainer_id,
                    "module": state.module.value,
                    "held_on": event.held_on,
                    "managers": event.managers,
                    "workers": event.workers,
                    "women": event.women,
                    "satisfaction": event.satisfaction,
                    "enterprises": len(cycle.enterprises),
                },
            )
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
    changes.put(
        t.toe_enterprises,
        {
            "journey_id": state.journey_id,
            "cycle_number": cycle.number,
            "enterprise_id": enterprise_id,
            "trainer_id": state.trainer_id,
            "module": state.module.value,
            "baseline": progress.baseline,
            "coaching_visits": progress.coaching_visits,
            "reports": progress.reports,
            "latest": progress.latest,
        },
    )
