"""The messages that recorded reminder events send, derived from the events alone.

Each message id is the event's command id plus the recipient, so sending an event's
messages again (an activity retried) sends nothing new.
"""

from __future__ import annotations

from domain.calendar import add_months
from domain.journey.aggregate import Journey
from domain.personal import ERASED
from domain.recorded import RecordedAggregate
from domain.trainer.aggregate import Trainer
from service.app.notifications import Message

SIGNATURE = "\n\nSCORE programme office, International Labour Organization"


def mail_for(event: RecordedAggregate.Event, aggregate: RecordedAggregate) -> list[Message]:
    """The event's messages; none to a person erased on request (docs/personal-data.md)."""
    return [m for m in _messages(event, aggregate) if m.recipient != ERASED]


def _messages(event: RecordedAggregate.Event, aggregate: RecordedAggregate) -> list[Message]:
    match event:
        case Journey.StallReminderSent():
            return [_stall_reminder(event, recipient) for recipient in event.recipients]
        case Trainer.ActivityReminderSent():
            return [_activity_reminder(event)]
        case Trainer.DelistedForInactivity() if isinstance(aggregate, Trainer):
            return [_delisted(event, aggregate.state.email)]
        case _:
            return []


def _message(event: RecordedAggregate.Event, recipient: str, subject: str, body: str) -> Message:
    return Message(f"{event.command_id}/{recipient}", recipient, subject, body + SIGNATURE)


def _stall_reminder(event: Journey.StallReminderSent, recipient: str) -> Message:
    return _message(
        event,
        recipient,
        "SCORE certification: a journey is waiting for its next step",
        f"The certification journey {event.originator_id} has had no step since "
        f"{event.waiting_since:%d %B %Y}.\nNext: {event.next_action}.",
    )


def _activity_reminder(event: Trainer.ActivityReminderSent) -> Message:
    deadline = add_months(event.clock_started_at, event.inactive_after_months)
    return _message(
        event,
        event.recipient,
        f"SCORE: {event.months} months without a training record",
        f"No training record has reached us for {event.months} months. Certified SCORE "
        "trainers deliver at least one training of enterprises each year; submit its "
        f"training record before {deadline:%d %B %Y} to stay on the public list.",
    )


def _delisted(event: Trainer.DelistedForInactivity, recipient: str) -> Message:
    return _message(
        event,
        recipient,
        "SCORE: you have been removed from the list of certified trainers",
        f"No training record has reached us for {event.inactive_after_months} months, so you "
        "are now marked inactive and no longer on the public list. The programme office can "
        "reinstate you.",
    )
