"""What a journey's stall clock makes of the policy versions it read: when the reminder is due,
and which version a reminder names at its moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from workflows.messages import PolicyFrom, PolicySchedule, ReminderPolicy

READ_AT = datetime(2026, 12, 1, tzinfo=UTC)
CONFIGURED = ReminderPolicy(stall_after_days=60, reminder_months=(9, 11))
SHORTER = ReminderPolicy(stall_after_days=30, reminder_months=(9, 11), version=1)
LONGER = ReminderPolicy(stall_after_days=90, reminder_months=(9, 11), version=2)
SCHEDULE = PolicySchedule(
    CONFIGURED,
    (
        PolicyFrom(READ_AT + timedelta(days=10), SHORTER),
        PolicyFrom(READ_AT + timedelta(days=50), LONGER),
    ),
)


def test_a_reminder_names_the_version_in_force_at_its_own_moment_not_when_it_was_read() -> None:
    assert SCHEDULE.in_force_at(READ_AT) == CONFIGURED
    assert SCHEDULE.in_force_at(READ_AT + timedelta(days=10) - timedelta(seconds=1)) == CONFIGURED
    assert SCHEDULE.in_force_at(READ_AT + timedelta(days=10)) == SHORTER
    assert SCHEDULE.in_force_at(READ_AT + timedelta(days=70)) == LONGER


def test_the_reminder_is_due_when_the_journey_has_waited_for_the_period_then_in_force() -> None:
    # Waiting since the reading: 30 days from day 10 on, so due on day 30.
    assert SCHEDULE.stall_reminder_due(READ_AT) == READ_AT + timedelta(days=30)
    # Waiting 45 days already: the shorter period has run out by the day it applies.
    waiting_long = READ_AT - timedelta(days=45)
    assert SCHEDULE.stall_reminder_due(waiting_long) == READ_AT + timedelta(days=10)
    # From day 50 on, 90 days: a wait begun on day 25 runs out on day 115.
    late = READ_AT + timedelta(days=25)
    assert SCHEDULE.stall_reminder_due(late) == late + timedelta(days=90)
