"""The yearly activity clock of a certified trainer: what is due next, and when. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.calendar import add_months
from domain.trainer.rules import inactive_from
from domain.trainer.state import INACTIVE_AFTER_MONTHS, Listing, TrainerState


@dataclass(frozen=True)
class ClockEvent:
    at: datetime
    months: int | None  # a reminder threshold; None for the delisting

    def command_id(self, trainer_id: str, clock_started_at: datetime) -> str:
        """Deterministic, so a retried or replayed activity records the event once."""
        clock = clock_started_at.isoformat()
        if self.months is None:
            return f"inactive/{trainer_id}/{clock}"
        return f"activity-reminder/{trainer_id}/{clock}/{self.months}"


def next_clock_event(
    trainer: TrainerState,
    reminder_months: tuple[int, ...],
    now: datetime,
    inactive_after_months: int = INACTIVE_AFTER_MONTHS,
) -> ClockEvent | None:
    """The next reminder or the delisting after `inactive_after_months`; None when the
    trainer is not listed.

    Reminders go out in rising order. After a pause (a worker down for weeks) only the
    latest reminder that is due goes out, and none once the delisting itself is due.
    """
    standing = trainer.standing
    if standing is None or standing.listing is not Listing.LISTED:
        return None
    inactive_at = inactive_from(standing, inactive_after_months)
    if now >= inactive_at:
        return ClockEvent(inactive_at, None)
    latest_sent = max(standing.reminders_sent, default=0)
    pending = [
        ClockEvent(add_months(standing.clock_started_at, months), months)
        for months in sorted(set(reminder_months))
        if latest_sent < months < inactive_after_months
    ]
    due = [event for event in pending if event.at <= now]
    upcoming = [event for event in pending if event.at > now]
    return (due[-1:] or upcoming[:1] or [ClockEvent(inactive_at, None)])[0]
