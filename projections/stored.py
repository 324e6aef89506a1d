"""Where stored events enter the projections: decoded, and their text cleaned on the way in.

The event store keeps what was written, forever, and is never edited. An earlier release
accepted text that a read model cannot hold (a NUL byte: PostgreSQL text refuses it, and the
projector would fail at that event on every attempt) or that misleads whoever reads it (a
right-to-left override that turns a name around, an invisible zero-width space). Like an
upcaster, this module cleans such text each time an event is read for projection — both the
notifications the projector follows and the history it replays when a state is not in
memory — so the live projector, a rebuild and an "as of" answer all write the same rows.

The cleaning, the same everywhere:

* control characters (C0 but tab, line feed and carriage return; DEL; C1) and lone
  surrogates (not encodable as UTF-8) become U+FFFD, so a reader sees that something was
  there rather than two words run together;
* invisible characters that only reorder or hide text are removed: bidirectional marks,
  embeddings, overrides and isolates, zero-width space, word joiner, invisible operators,
  byte-order mark. The zero-width (non-)joiners stay: Indic and Persian names need them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import JSONTranscoder, StoredEvent

from domain.recorded import RecordedAggregate

DomainEvent = RecordedAggregate.Event
"""Every event in the store records who did what, when, by which command."""

REPLACEMENT = "\ufffd"
# Fixed lists, not Unicode categories: a newer Python's Unicode tables must not change what a
# rebuild writes. Changing either list changes the read models: run a rebuild after it.
_REPLACED = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
_REMOVED = (
    "\u00ad\u061c\u115f\u1160\u200b\u200e\u200f\u2028\u2029\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\u3164\ufeff\uffa0\U000e0000-\U000e007f"
)
_UNWANTED = re.compile(f"[{_REPLACED}{_REMOVED}]")
_TO_REPLACE = re.compile(f"[{_REPLACED}]")
# In ASCII, what `_UNWANTED` finds, and the backslash that starts a JSON escape: made from
# the lists above, so that it follows them.
_UNWANTED_IN_ASCII = re.compile(
    b"[" + b"".join(re.escape(bytes([c])) for c in range(128) if _UNWANTED.match(chr(c))) + rb"\\]"
)


def clean_text(text: str) -> str:
    """`text` without the characters a read model must not hold (see the module's docstring)."""
    if _UNWANTED.search(text) is None:  # nearly always: one scan, no copy
        return text
    return _UNWANTED.sub(_replacement, text)


def _replacement(found: re.Match[str]) -> str:
    return REPLACEMENT if _TO_REPLACE.match(found.group()) else ""


def _plain(state: bytes) -> bool:
    """Whether no string in this JSON state can hold a character to clean: none is in it
    as it stands, and it has no escape (a backslash) that could make one when decoded.

    Nearly every state is plain, and this test is two scans in C rather than a walk through
    every value of the decoded event. Strings the decoding adds to the event are either the
    state's own (its fields, and what upcasters derive from them), constants of the code
    (upcasters' defaults, `ERASED`), or the personal fields the mapper opened, which are
    cleaned one by one.
    """
    if state.isascii():  # nearly always: names and e-mails are sealed, so base64
        return _UNWANTED_IN_ASCII.search(state) is None
    try:
        text = state.decode()
    except UnicodeDecodeError:
        return False
    return "\\" not in text and _UNWANTED.search(text) is None


def _with_personal_fields_cleaned(event: DomainEvent, fields: dict[str, Any]) -> dict[str, Any]:
    """`fields` (of an event decoded from a plain state) with its opened personal fields
    cleaned: the very same dict when nothing needed cleaning, else a copy."""
    clean = fields
    for name in type(event).personal_fields:
        value = fields.get(name)
        after = cleaned(value)
        if after is not value:
            if clean is fields:
                clean = dict(fields)
            clean[name] = after
    return clean


def cleaned(value: Any) -> Any:
    """`value` with every string in it cleaned, through dicts (keys too), lists and tuples.

    Returns the very same object when nothing needed cleaning.
    """
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        items = [(cleaned(k), cleaned(v)) for k, v in value.items()]
        if all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(items, value.items(), strict=True)):
            return value
        return dict(items)
    if isinstance(value, list | tuple):
        parts = [cleaned(v) for v in value]
        if all(p is v for p, v in zip(parts, value, strict=True)):
            return value
        return type(value)(parts)
    return value


@runtime_checkable
class ReadsAhead(Protocol):
    """A mapper that can prepare, in one go, for the events it is about to decode (the
    application's mapper looks up the keys that open their personal fields)."""

    def read_ahead(self, stored_events: Iterable[StoredEvent]) -> None: ...


class StoredEvents:
    """The projections' only way to read events from the store."""

    def __init__(self, app: Application[UUID]) -> None:
        self._app = app

    def read_ahead(self, stored_events: Sequence[StoredEvent]) -> None:
        """Let the mapper prepare for decoding these events, if it can (one look-up of the
        keys a batch needs, rather than one per person as each event is decoded)."""
        mapper = self._app.mapper
        if isinstance(mapper, ReadsAhead):
            mapper.read_ahead(stored_events)

    def decode(self, stored: StoredEvent) -> DomainEvent:
        """A notification or stored event as a domain event, its text cleaned.

        Decoded with the application's mapper as it is at this moment (a command may lend
        the application a mapper that also reports progress), then cleaned.
        """
        mapper = self._app.mapper
        event = mapper.to_domain_event(stored)
        if not isinstance(event, DomainEvent):
            raise TypeError(
                f"{stored.topic} (v{stored.originator_version} of {stored.originator_id}) "
                "is not a recorded domain event."
            )
        fields = vars(event)
        if (
            isinstance(mapper.transcoder, JSONTranscoder)  # `_plain` reads the state as JSON
            and mapper.compressor is None
            and mapper.cipher is None
            and _plain(stored.state)
        ):
            clean = _with_personal_fields_cleaned(event, fields)
        else:
            clean = cleaned(fields)
        if clean is not fields:  # the mapper made the event just now: nobody else holds it
            object.__setattr__(event, "__dict__", clean)
        return event

    def history(self, aggregate_id: UUID, up_to_version: int) -> Iterator[StoredEvent]:
        """An aggregate's stored events, oldest first, up to a version (not decoded)."""
        found: Sequence[StoredEvent] = self._app.recorder.select_events(
            aggregate_id, lte=up_to_version
        )
        if not found:
            raise AggregateNotFoundError(aggregate_id)
        return iter(found)
