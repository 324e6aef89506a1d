"""The adapters of the Notifier port (`service.app.notifications`): an outbox and SMTP.

A message is named by an id derived from the event it tells of; both adapters keep the
promise that sending it again sends nothing new through the `outbox` table, which lives in
the same database as the event store:

- `OutboxNotifier` (the embedded default) stores each message once; people and tools read it
  from there.
- `SmtpNotifier` sends through an SMTP server and records each delivery in the same table, and
  each failed hand-over (when and why) for the programme office to read (`Outbox.page`).
  A crash between the SMTP hand-over and that record can send one message twice; its
  Message-ID header (derived from the message id) lets mail software recognise the copy.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Row,
    and_,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from service.app.notifications import Message, Notifier
from service.settings import Settings
from service.storage.database import create_service_engine
from service.storage.outbox import OUTBOX
from service.telemetry.metrics import MAIL_DELIVERY_FAILURES

FAILURE_MAX = 500  # characters of an SMTP error kept for the office to read


class Sending(StrEnum):
    """Where a message is: kept (the outbox is the delivery), delivered, or failing."""

    KEPT = "kept"  # no SMTP server configured: people and tools read it from the outbox
    DELIVERED = "delivered"
    FAILED = "failed"  # the last hand-over failed; the workflow tries again


@dataclass(frozen=True)
class SentMessage:
    """A message as the programme office reads it: to whom, what, and how it went."""

    message_id: str
    recipient: str
    subject: str
    stored_at: datetime
    status: Sending
    delivered_at: datetime | None
    failed_at: datetime | None
    failure: str | None


@dataclass(frozen=True)
class MessagesPage:
    items: list[SentMessage]
    total: int
    offset: int
    limit: int


class Outbox:
    """The `outbox` table: every message once, by its id, and whether it was delivered."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def store(self, message: Message) -> bool:
        """Keep the message; False when a message with its id is already kept."""
        row = {**vars(message), "stored_at": datetime.now(UTC), "delivered_at": None}
        try:
            with self.engine.begin() as connection:
                connection.execute(OUTBOX.insert().values(**row))
        except IntegrityError:
            return False
        return True

    def delivered(self, message_id: str) -> bool:
        query = select(OUTBOX.c.delivered_at).where(OUTBOX.c.message_id == message_id)
        with self.engine.connect() as connection:
            return connection.execute(query).scalar() is not None

    def mark_delivered(self, message_id: str) -> None:
        change = update(OUTBOX).where(OUTBOX.c.message_id == message_id)
        with self.engine.begin() as connection:
            connection.execute(
                change.values(delivered_at=datetime.now(UTC), failed_at=None, failure=None)
            )

    def mark_failed(self, message_id: str, failure: str) -> None:
        change = update(OUTBOX).where(OUTBOX.c.message_id == message_id)
        with self.engine.begin() as connection:
            connection.execute(
                change.values(failed_at=datetime.now(UTC), failure=failure[:FAILURE_MAX])
            )

    def page(
        self,
        status: Sending | None = None,
        recipient: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> MessagesPage:
        """The messages, the latest first; optionally of one status or one recipient."""
        where = [self._status_is(status)] if status is not None else []
        if recipient is not None:
            where.append(func.lower(OUTBOX.c.recipient) == recipient.strip().lower())
        listed = (
            select(OUTBOX)
            .where(*where)
            .order_by(OUTBOX.c.stored_at.desc(), OUTBOX.c.message_id)
            .offset(offset)
            .limit(limit)
        )
        counted = select(func.count()).select_from(OUTBOX).where(*where)
        with self.engine.connect() as connection:
            rows = connection.execute(listed).all()
            total = connection.execute(counted).scalar_one()
        return MessagesPage([_sent(row) for row in rows], total, offset, limit)

    @staticmethod
    def _status_is(status: Sending) -> ColumnElement[bool]:
        delivered = OUTBOX.c.delivered_at.is_not(None)
        failed = and_(OUTBOX.c.delivered_at.is_(None), OUTBOX.c.failed_at.is_not(None))
        kept = and_(OUTBOX.c.delivered_at.is_(None), OUTBOX.c.failed_at.is_(None))
        return {Sending.DELIVERED: delivered, Sending.FAILED: failed, Sending.KEPT: kept}[status]

    def messages(self, recipient: str | None = None) -> list[Message]:
        query = select(OUTBOX.c.message_id, OUTBOX.c.recipient, OUTBOX.c.subject, OUTBOX.c.body)
        if recipient is not None:
            query = query.where(OUTBOX.c.recipient == recipient)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(OUTBOX.c.stored_at)).all()
        return [Message(*row) for row in rows]

    def undelivered(self) -> int:
        """Messages kept and not handed to an SMTP server: the outbox's depth (with no SMTP
        server configured, every message stays here for people and tools to read)."""
        query = select(func.count()).select_from(OUTBOX).where(OUTBOX.c.delivered_at.is_(None))
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)

    def close(self) -> None:
        self.engine.dispose()


class OutboxNotifier:
    """The embedded default: messages are kept in the outbox table, each once."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    def send(self, message: Message) -> bool:
        return self.outbox.store(message)

    def close(self) -> None:
        self.outbox.close()


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    sender: str
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout_seconds: float = 30.0


class SmtpNotifier:
    """Sends through SMTP; the outbox table remembers what was delivered."""

    def __init__(self, server: SmtpServer, outbox: Outbox) -> None:
        self.server = server
        self.outbox = outbox

    def send(self, message: Message) -> bool:
        self.outbox.store(message)
        if self.outbox.delivered(message.message_id):
            return False
        try:
            self._hand_over(message)
        except (OSError, smtplib.SMTPException) as failure:
            MAIL_DELIVERY_FAILURES.inc()
            # Kept for the office to see; the caller (a workflow activity) tries again.
            self.outbox.mark_failed(message.message_id, f"{type(failure).__name__}: {failure}")
            raise
        self.outbox.mark_delivered(message.message_id)
        return True

    def _hand_over(self, message: Message) -> None:
        server = self.server
        with smtplib.SMTP(server.host, server.port, timeout=server.timeout_seconds) as smtp:
            if server.starttls:
                smtp.starttls()
            if server.username and server.password:
                smtp.login(server.username, server.password)
            smtp.send_message(email_for(message, server.sender))

    def close(self) -> None:
        self.outbox.close()


def email_for(message: Message, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = f"<{_header_safe(message.message_id)}@score-certification>"
    email.set_content(message.body)
    return email


def _header_safe(message_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-._" else "." for c in message_id)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _sent(row: Row[Any]) -> SentMessage:
    if row.delivered_at is not None:
        status = Sending.DELIVERED
    elif row.failed_at is not None:
        status = Sending.FAILED
    else:
        status = Sending.KEPT
    stored_at = _aware(row.stored_at)
    assert stored_at is not None
    return SentMessage(
        message_id=row.message_id,
        recipient=row.recipient,
        subject=row.subject,
        stored_at=stored_at,
        status=status,
        delivered_at=_aware(row.delivered_at),
        failed_at=_aware(row.failed_at),
        failure=row.failure,
    )


def build_notifier(settings: Settings) -> Notifier:
    """SMTP when a server is configured; otherwise the outbox, in the event store's database."""
    outbox = Outbox(create_service_engine(settings))
    if settings.smtp_host is None:
        return OutboxNotifier(outbox)
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    server = SmtpServer(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_sender,
        starttls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=password,
        timeout_seconds=settings.smtp_timeout_seconds,
    )
    return SmtpNotifier(server, outbox)
