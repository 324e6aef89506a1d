"""The adapters of the Notifier port (`service.app.notifications`): an outbox and SMTP.

A message is named by an id derived from the event it tells of; both adapters keep the
promise that sending it again sends nothing new through the `outbox` table, which lives in
the same database as the event store:

- `OutboxNotifier` (the embedded default) stores each message once; people and tools read it
  from there.
- `SmtpNotifier` sends through an SMTP server and records each delivery in the same table.
  A crash between the SMTP hand-over and that record can send one message twice; its
  Message-ID header (derived from the message id) lets mail software recognise the copy.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    MetaData,
    String,
    Table,
    Text,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from service.app.notifications import Message, Notifier
from service.settings import Settings
from service.storage.database import create_service_engine
from service.telemetry.metrics import MAIL_DELIVERY_FAILURES

_metadata = MetaData()

OUTBOX = Table(
    "outbox",
    _metadata,
    Column("message_id", String(400), primary_key=True),
    Column("recipient", String(320), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
)


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
            connection.execute(change.values(delivered_at=datetime.now(UTC)))

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
        except (OSError, smtplib.SMTPException):
            MAIL_DELIVERY_FAILURES.inc()
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
