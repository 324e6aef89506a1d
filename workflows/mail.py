"""The messages that recorded reminder events send, derived from the events alone, each in
its recipient's language.

Each message id is the event's command id plus the recipient, so sending an event's
messages again (an activity retried) sends nothing new. A recipient reads the message in the
language they chose on their login (`languages`: e-mail address → language), else in English;
the texts are the `mail` catalogs' (service/i18n), dates in the reader's locale.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from babel.dates import format_date

from domain.calendar import add_months
from domain.journey.aggregate import Journey
from domain.journey.next_steps import pending_step
from domain.personal import ERASED
from domain.recorded import RecordedAggregate
from domain.trainer.aggregate import Trainer
from service.app.notifications import Message
from service.i18n import DEFAULT_LANGUAGE, locale, translations
from service.i18n.labels import STEP_TITLES

SIGNATURE = "SCORE programme office, International Labour Organization"


def mail_for(
    event: RecordedAggregate.Event,
    aggregate: RecordedAggregate,
    languages: Mapping[str, str] | None = None,
) -> list[Message]:
    """The event's messages, each in its reader's language; none to a person erased on
    request (docs/personal-data.md)."""
    messages = _messages(event, aggregate, languages or {})
    return [m for m in messages if m.recipient != ERASED]


def _messages(
    event: RecordedAggregate.Event, aggregate: RecordedAggregate, languages: Mapping[str, str]
) -> list[Message]:
    def language(recipient: str) -> str:
        return languages.get(recipient, DEFAULT_LANGUAGE)

    match event:
        case Journey.StallReminderSent() if isinstance(aggregate, Journey):
            return [
                _stall_reminder(event, aggregate, recipient, language(recipient))
                for recipient in event.recipients
            ]
        case Trainer.ActivityReminderSent():
            return [_activity_reminder(event, language(event.recipient))]
        case Trainer.DelistedForInactivity() if isinstance(aggregate, Trainer):
            email = aggregate.state.email
            return [_delisted(event, email, language(email))]
        case _:
            return []


class _Writer:
    """The mail catalogs in one language: `{name}` placeholders, dates in its locale."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, text: str, **params: object) -> str:
        return translations(self.language).gettext(text).format(**params)

    def day(self, value: date) -> str:
        return format_date(value, format="long", locale=locale(self.language))


def _message(
    event: RecordedAggregate.Event, recipient: str, write: _Writer, subject: str, body: str
) -> Message:
    signed = f"{body}\n\n{write(SIGNATURE)}"
    return Message(f"{event.command_id}/{recipient}", recipient, subject, signed)


def _stall_reminder(
    event: Journey.StallReminderSent, journey: Journey, recipient: str, language: str
) -> Message:
    write = _Writer(language)
    return _message(
        event,
        recipient,
        write,
        write("SCORE certification: a journey is waiting for its next step"),
        write(
            "The certification journey {journey} has had no step since {day}.\nNext: {next}.",
            journey=event.originator_id,
            day=write.day(event.waiting_since.date()),
            next=_waiting_for(event, journey, write),
        ),
    )


def _waiting_for(event: Journey.StallReminderSent, journey: Journey, write: _Writer) -> str:
    """What the journey waits for: the recorded sentence in English; in another language the
    step's name, while the journey still waits where the reminder found it."""
    pending = pending_step(journey.state)
    still_waiting = journey.state.last_step_at == event.waiting_since
    if write.language == DEFAULT_LANGUAGE or pending is None or not still_waiting:
        return event.next_action
    return write(STEP_TITLES[pending.kind])


def _activity_reminder(event: Trainer.ActivityReminderSent, language: str) -> Message:
    write = _Writer(language)
    deadline = add_months(event.clock_started_at, event.inactive_after_months)
    return _message(
        event,
        event.recipient,
        write,
        write("SCORE: {months} months without a training record", months=event.months),
        write(
            "No training record has reached us for {months} months. Certified SCORE trainers "
            "deliver at least one training of enterprises each year; submit its training "
            "record before {deadline} to stay on the public list.",
            months=event.months,
            deadline=write.day(deadline.date()),
        ),
    )


def _delisted(event: Trainer.DelistedForInactivity, recipient: str, language: str) -> Message:
    write = _Writer(language)
    return _message(
        event,
        recipient,
        write,
        write("SCORE: you have been removed from the list of certified trainers"),
        write(
            "No training record has reached us for {months} months, so you are now marked "
            "inactive and no longer on the public list. The programme office can reinstate you.",
            months=event.inactive_after_months,
        ),
    )
