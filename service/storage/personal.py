"""Personal data in events, encrypted with a key per person, so that erasure destroys the key.

An event class names its personal fields (`personal_fields`, domain/recorded.py) and whose
they are (its aggregate, or the person its `person_field` names). `PersonalDataMapper`, the
application's eventsourcing mapper, seals each such field before the event is stored —
AES-256-GCM under the person's own key, the person's id as associated data — so the stored
state (and so the audit's hash chain over it) holds only ciphertext for them; reading opens
them again. Erasure (`PersonKeys.erase`) destroys the key and keeps only when: every sealed
field of that person then reads `domain.personal.ERASED` when it is next opened (aggregates,
read models and their rebuild, "as of", history, exports), while the stored events and their
chain stay exactly as they were; states already opened and cached by another process stay
as they were until they leave its cache. Fields stored in plain text before this release
read `ERASED` too once the person is erased, though their bytes stay in the store
(docs/personal-data.md).

The keys live in `svc_person_keys`, beside the events (or in memory with the in-memory store).
Each process keeps the keys it used for a short while; it forgets a trainer's key at once
when it reads the event that erased it, and the erasing process forgets every key it destroys.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import threading
from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Any, Final, Protocol
from uuid import UUID

from cachetools import TTLCache
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Cipher, Compressor, Mapper, StoredEvent, Transcoder
from eventsourcing.utils import TopicError, resolve_topic
from sqlalchemy import DateTime, Engine, LargeBinary, String, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from domain.personal import ERASED
from service.storage.database import ServiceTables

SEALED = "personal:v1:"  # the prefix of a sealed field: base64 of nonce ‖ ciphertext ‖ tag
NONCE_BYTES = 12
KEY_BITS = 256
KEEP_KEYS_SECONDS = 30.0  # how long another process may still read an erased person
REMEMBERED_PEOPLE = 10_000
KEYS_PER_QUERY = 500  # people per look-up of many keys (SQL bound parameters)

log = logging.getLogger(__name__)


class Erased:
    """A person whose key was destroyed."""


ERASED_KEY: Final = Erased()
PersonKey = bytes | Erased | None  # None: no key yet (only plain fields stored, if any)
PersonCipher = AESGCM | Erased | None  # a key as this process holds it, ready to use
_UNKNOWN: Final = object()


class PersonKeyRow(ServiceTables):
    """One person's key; an erased person keeps the row, without the key."""

    __tablename__ = "svc_person_keys"

    person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class PersonKeys(Protocol):
    def key_of(self, person_id: str) -> PersonKey:
        """The person's key as stored now."""

    def keys_of(self, person_ids: Collection[str]) -> dict[str, PersonKey]:
        """The keys of these people as stored now (each as `key_of` would say), in one go."""

    def create(self, person_id: str) -> PersonKey:
        """A new key for the person, or the one another writer stored first."""

    def erase(self, person_id: str, at: datetime) -> None:
        """Destroy the person's key (idempotent; a person with no key is marked erased)."""


class MemoryPersonKeys:
    """The keys of the in-memory event store."""

    def __init__(self) -> None:
        self._keys: dict[str, PersonKey] = {}
        self._lock = threading.Lock()

    def key_of(self, person_id: str) -> PersonKey:
        with self._lock:
            return self._keys.get(person_id)

    def keys_of(self, person_ids: Collection[str]) -> dict[str, PersonKey]:
        with self._lock:
            return {p: self._keys.get(p) for p in person_ids}

    def create(self, person_id: str) -> PersonKey:
        with self._lock:
            return self._keys.setdefault(person_id, AESGCM.generate_key(KEY_BITS))

    def erase(self, person_id: str, at: datetime) -> None:  # noqa: ARG002 (no row to date)
        with self._lock:
            self._keys[person_id] = ERASED_KEY


class SQLPersonKeys:
    """The keys in `svc_person_keys` (made by the migrations), in the events' database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def key_of(self, person_id: str) -> PersonKey:
        with Session(self._engine) as session:
            return _key_in(session.get(PersonKeyRow, person_id))

    def keys_of(self, person_ids: Collection[str]) -> dict[str, PersonKey]:
        wanted = list(person_ids)
        found: dict[str, PersonKey] = dict.fromkeys(wanted)
        table = PersonKeyRow.__table__.c
        with self._engine.connect() as conn:
            for start in range(0, len(wanted), KEYS_PER_QUERY):
                chunk = wanted[start : start + KEYS_PER_QUERY]
                rows = conn.execute(
                    select(table.person_id, table.key, table.erased_at).where(
                        table.person_id.in_(chunk)
                    )
                )
                for person_id, key, erased_at in rows:
                    found[person_id] = _key_of(key, erased_at)
        return found

    def create(self, person_id: str) -> PersonKey:
        key = AESGCM.generate_key(KEY_BITS)
        row = PersonKeyRow(person_id=person_id, key=key, created_at=datetime.now(UTC))
        try:
            with Session(self._engine) as session, session.begin():
                session.add(row)
            return key
        except IntegrityError:  # another process created it first: use theirs
            return self.key_of(person_id)

    def erase(self, person_id: str, at: datetime) -> None:
        destroy = (
            update(PersonKeyRow)
            .where(PersonKeyRow.person_id == person_id, PersonKeyRow.erased_at.is_(None))
            .values(key=None, erased_at=at)
        )
        try:
            with Session(self._engine) as session, session.begin():
                session.execute(destroy)
                known = select(PersonKeyRow.person_id).where(PersonKeyRow.person_id == person_id)
                found = session.scalar(known)
                if found is None:  # a person whose events were all stored before keys existed
                    row = PersonKeyRow(person_id=person_id, key=None, created_at=at, erased_at=at)
                    session.add(row)
        except IntegrityError:  # a key created meanwhile: destroy that one
            with Session(self._engine) as session, session.begin():
                session.execute(destroy)


def _key_in(row: PersonKeyRow | None) -> PersonKey:
    return None if row is None else _key_of(row.key, row.erased_at)


def _key_of(key: bytes | None, erased_at: datetime | None) -> PersonKey:
    if erased_at is not None or key is None:
        return ERASED_KEY
    return key


def person_keys_for(app_factory: object) -> PersonKeys:
    """The key store beside the application's events: its database, else memory."""
    datastore = getattr(app_factory, "datastore", None)
    engine = getattr(datastore, "engine", None)
    return SQLPersonKeys(engine) if isinstance(engine, Engine) else MemoryPersonKeys()


class PersonalDataMapper(Mapper[UUID]):
    """eventsourcing's mapper, sealing the personal fields of events with the person's key."""

    def __init__(
        self,
        transcoder: Transcoder,
        compressor: Compressor | None = None,
        cipher: Cipher | None = None,
        *,
        keys: PersonKeys,
    ) -> None:
        super().__init__(transcoder, compressor, cipher)
        self.keys = keys
        # Keys as ciphers: making an AESGCM of a key costs twice what opening a field does.
        self._known: TTLCache[str, object] = TTLCache(REMEMBERED_PEOPLE, KEEP_KEYS_SECONDS)
        self._lock = threading.Lock()  # cachetools' caches are not thread-safe

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        fields = getattr(type(domain_event), "personal_fields", ())
        if fields:
            state = dict(vars(domain_event))
            person = _person_of(domain_event, state)
            cipher = self._cipher(person, create=True)
            for field in fields:
                state[field] = _sealed(cipher, person, state.get(field))
            sealed = object.__new__(type(domain_event))
            object.__setattr__(sealed, "__dict__", state)
            domain_event = sealed
        return super().to_stored_event(domain_event)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        event = super().to_domain_event(stored_event)
        fields = getattr(type(event), "personal_fields", ())
        if fields:
            state = vars(event)  # a new event, held by no one else yet
            person = _person_of(event, state)
            for field in fields:
                value = state.get(field)
                if isinstance(value, str):
                    state[field] = self._open(person, value)
                elif isinstance(value, list):
                    state[field] = [
                        self._open(person, v) if isinstance(v, str) else v for v in value
                    ]
        if getattr(type(event), "erases_personal_data", False):
            self.forget(str(event.originator_id))
        return event

    def read_ahead(self, stored_events: Iterable[StoredEvent]) -> None:
        """Look up at once the keys that opening these events will need and this process
        does not hold yet (a batch of the projector: one query rather than one per person).

        Each key is then used as if it had been looked up when its event was opened: it
        stays only as long as any other, and a person forgotten meanwhile stays forgotten.
        Whose key an event needs is known without decoding it when the event is about its
        aggregate; a key named by a field (`person_field`) is looked up when it is used.
        """
        people = set()
        for stored in stored_events:
            try:
                cls = resolve_topic(stored.topic)
            except TopicError:  # decoding it will say so, where its reader can tell
                continue
            if getattr(cls, "personal_fields", ()) and getattr(cls, "person_field", None) is None:
                people.add(str(stored.originator_id))
        with self._lock:
            unknown = [p for p in people if p not in self._known]
        if not unknown:
            return
        ciphers = {person: _cipher_of(key) for person, key in self.keys.keys_of(unknown).items()}
        with self._lock:
            for person, cipher in ciphers.items():
                if person not in self._known:  # forgotten meanwhile: stays forgotten
                    self._known[person] = cipher

    def erase(self, person: str, at: datetime) -> None:
        """Destroy the person's key, here and in the store."""
        self.forget(person)
        self.keys.erase(person, at)

    def recall(self, person: str) -> None:
        """Read the person's key from the store again at the next use (an erasure cut short
        left it there, though this process read the event that erased them)."""
        with self._lock:
            self._known.pop(person, None)

    def forget(self, person: str) -> None:
        """The person is erased: never use a key this process may still hold."""
        with self._lock:
            self._known[person] = ERASED_KEY

    def _open(self, person: str, value: str) -> str:
        if not value.startswith(SEALED):
            # Stored in plain text before keys existed: unreadable once the person is erased.
            return ERASED if isinstance(self._cipher(person), Erased) else value
        cipher = self._cipher(person)
        if cipher is None:  # keyed by another process since this one looked
            cipher = self._cipher(person, fresh=True)
        if cipher is None:  # sealed, yet no key row: a lost key table reads as erased
            log.warning("a sealed field of %s has no key in svc_person_keys", person)
        if not isinstance(cipher, AESGCM):
            return ERASED
        try:
            sealed = base64.b64decode(value[len(SEALED) :], validate=True)
            nonce, ciphertext = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
            return cipher.decrypt(nonce, ciphertext, person.encode()).decode()
        except InvalidTag:
            return ERASED  # not this person's key: never show it as theirs
        except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
            log.warning("a sealed field of %s is malformed; it reads as erased", person)
            return ERASED

    def _cipher(self, person: str, *, create: bool = False, fresh: bool = False) -> PersonCipher:
        with self._lock:
            known = _UNKNOWN if fresh else self._known.get(person, _UNKNOWN)
        if known is not _UNKNOWN and not (known is None and create):
            return known  # type: ignore[return-value]
        key = self.keys.key_of(person)
        if key is None and create:
            key = self.keys.create(person)
        cipher = _cipher_of(key)
        with self._lock:
            if isinstance(self._known.get(person), Erased):  # forgotten since the look-up
                return ERASED_KEY
            self._known[person] = cipher
        return cipher


def _cipher_of(key: PersonKey | PersonCipher) -> PersonCipher:
    return AESGCM(key) if isinstance(key, bytes) else key


def _person_of(event: object, state: dict[str, Any]) -> str:
    field = getattr(type(event), "person_field", None)
    person = state["originator_id"] if field is None else state[field]
    return str(person)


def _sealed(cipher: PersonCipher, person: str, value: object) -> object:
    """A text sealed, or each text of a list (e-mails); any other value as it is."""
    if isinstance(value, str):
        return seal(cipher, person, value)
    if isinstance(value, list):
        return [seal(cipher, person, v) if isinstance(v, str) else v for v in value]
    return value


def seal(key: PersonKey | PersonCipher, person: str, value: str) -> str:
    """The sealed text; an erased person's new events hold the marker, never the value."""
    cipher = _cipher_of(key)
    if not isinstance(cipher, AESGCM):
        return ERASED
    nonce = os.urandom(NONCE_BYTES)
    sealed = cipher.encrypt(nonce, value.encode(), person.encode())
    return SEALED + base64.b64encode(nonce + sealed).decode("ascii")
