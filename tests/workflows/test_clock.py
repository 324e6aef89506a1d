"""The yearly activity clock's plan: which reminder or delisting is due next, and when."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from domain.trainer.state import Listing, Standing, TrainerState
from workflows.clock import ClockEvent, next_clock_event

CLOCK = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)
MONTHS = (9, 11)


def trainer(reminded: tuple[int, ...] = (), listing: Listing = Listing.LISTED) -> TrainerState:
    standing = Standing(CLOCK, listing=listing, listed_since=CLOCK, reminders_sent=reminded)
    return TrainerState("t-1", "Ann", "ann@example.org", "IN", standing=standing)


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 9, 0, tzinfo=UTC)


def test_reminders_come_in_calendar_months_then_the_delisting() -> None:
    assert next_clock_event(trainer(), MONTHS, CLOCK) == ClockEvent(at(2026, 10, 31), 9)
    assert next_clock_event(trainer((9,)), MONTHS, CLOCK) == ClockEvent(at(2026, 12, 31), 11)
    assert next_clock_event(trainer((9, 11)), MONTHS, CLOCK) == ClockEvent(at(2027, 1, 31), None)


def test_after_a_pause_only_the_latest_due_reminder_goes_out() -> None:
    twelve_days_before_the_end = at(2027, 1, 19)
    assert next_clock_event(trainer(), MONTHS, twelve_days_before_the_end) == ClockEvent(
        at(2026, 12, 31), 11
    )
    past_the_year = at(2027, 2, 1)
    assert next_clock_event(trainer(), MONTHS, past_the_year) == ClockEvent(at(2027, 1, 31), None)


def test_a_trainer_who_is_not_listed_has_no_clock() -> None:
    assert next_clock_event(trainer(listing=Listing.INACTIVE), MONTHS, CLOCK) is None
    assert next_clock_event(trainer(listing=Listing.REMOVED), MONTHS, CLOCK) is None
    assert next_clock_event(replace(trainer(), standing=None), MONTHS, CLOCK) is None


def test_command_ids_name_the_trainer_the_clock_and_the_threshold() -> None:
    reminder, delisting = ClockEvent(at(2026, 10, 31), 9), ClockEvent(at(2027, 1, 31), None)
    assert reminder.command_id("t-1", CLOCK) == "activity-reminder/t-1/2026-01-31T09:00:00+00:00/9"
    assert delisting.command_id("t-1", CLOCK) == "inactive/t-1/2026-01-31T09:00:00+00:00"
    later_clock = CLOCK + timedelta(days=300)
    assert reminder.command_id("t-1", later_clock) != reminder.command_id("t-1", CLOCK)
