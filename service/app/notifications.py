"""The port through which the application tells people things: a Message and a Notifier.

A reminder is a domain event first; a message goes out from it afterwards, named by an id
derived from the event, so that sending the same event's messages again sends nothing new.
The adapters that keep that promise (an outbox table, SMTP) are in `service.adapters.mail`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Message:
    message_id: str  # unique per event and recipient; sending it twice sends it once
    recipient: str
    subject: str
    body: str


class Notifier(Protocol):
    def send(self, message: Message) -> bool:
        """Deliver the message unless it was delivered before; True when it went out now."""
        ...

    def close(self) -> None: ...
