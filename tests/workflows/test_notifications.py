"""Messages go out once per message id, through the outbox or through SMTP."""

from __future__ import annotations

import pytest

from service.adapters.mail import (
    Outbox,
    OutboxNotifier,
    SmtpNotifier,
    SmtpServer,
    build_notifier,
)
from service.adapters.temporal_dev import free_port
from service.app.notifications import Message
from service.settings import Settings
from tests.workflows.smtp_sink import smtp_sink

REMINDER = Message(
    "activity-reminder/t-1/2026-01-10T09:00:00+00:00/9/ann@example.org",
    "ann@example.org",
    "SCORE: 9 months without a training record",
    "No training record has reached us for 9 months.",
)


def test_the_outbox_keeps_each_message_once(outbox: Outbox) -> None:
    notifier = OutboxNotifier(outbox)
    assert notifier.send(REMINDER) is True
    assert notifier.send(REMINDER) is False
    assert outbox.messages("ann@example.org") == [REMINDER]
    assert not outbox.delivered(REMINDER.message_id)


def test_smtp_delivers_each_message_once_and_records_the_delivery(outbox: Outbox) -> None:
    with smtp_sink() as (port, received):
        notifier = SmtpNotifier(SmtpServer("127.0.0.1", port, "score@ilo.org"), outbox)
        assert notifier.send(REMINDER) is True
        assert notifier.send(REMINDER) is False

    (email,) = received
    assert (email["From"], email["To"]) == ("score@ilo.org", "ann@example.org")
    assert email["Subject"] == REMINDER.subject
    assert email["Message-ID"].startswith("<activity-reminder.t-1.2026-01-10T09.00.00")
    assert str(email.get_payload()).strip() == REMINDER.body
    assert outbox.delivered(REMINDER.message_id)


def test_a_failed_smtp_delivery_is_sent_when_tried_again(outbox: Outbox) -> None:
    unreachable = SmtpServer("127.0.0.1", free_port(), "score@ilo.org", timeout_seconds=2)
    with pytest.raises(OSError):
        SmtpNotifier(unreachable, outbox).send(REMINDER)
    assert outbox.messages() == [REMINDER] and not outbox.delivered(REMINDER.message_id)

    with smtp_sink() as (port, received):
        server = SmtpServer("127.0.0.1", port, "score@ilo.org")
        assert SmtpNotifier(server, outbox).send(REMINDER) is True
    assert len(received) == 1


def test_settings_choose_smtp_when_a_server_is_configured(settings: Settings) -> None:
    default = build_notifier(settings)
    with_smtp = build_notifier(settings.model_copy(update={"smtp_host": "mail.example.org"}))
    try:
        assert isinstance(default, OutboxNotifier)
        assert isinstance(with_smtp, SmtpNotifier)
        assert with_smtp.server.host == "mail.example.org"
    finally:
        default.close()
        with_smtp.close()
