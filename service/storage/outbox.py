"""The `outbox` table: every message the service sends, kept beside the event store.

The mail adapters (service/adapters/mail.py) write and read it; the application's erasure
(service/app/erasure.py) deletes the messages that name an erased person, so the table lives
in storage, below both.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, String, Table, Text

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
    # The last failed hand-over to the SMTP server (cleared by a delivery), and why.
    Column("failed_at", DateTime(timezone=True), nullable=True),
    Column("failure", Text, nullable=True),
)
