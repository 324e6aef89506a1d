"""Idempotency-Key support: a retried POST returns the first response and writes nothing new."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Integer, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from domain.errors import DomainError
from service.app.refusals import refusal_body, refusal_status
from service.storage.database import ServiceTables


class IdempotencyRow(ServiceTables):
    __tablename__ = "svc_idempotency"

    username: Mapped[str] = mapped_column(String(120), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: Any


class KeyReusedForAnotherRequest(Exception):
    """The same Idempotency-Key came with a different method, path or body."""


def fingerprint(method: str, path: str, body: bytes) -> str:
    """The request's identity: method, path and the body's meaning, not its spelling, so a
    client that serialises its JSON again for a retry (spaces, key order) is recognised."""
    return fingerprint_of_the_bytes(method, path, _canonical(body))


def fingerprint_of_the_bytes(method: str, path: str, body: bytes) -> str:
    """How keys were fingerprinted before bodies were read for their meaning: keys stored then
    still recognise their retries."""
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


def _canonical(body: bytes) -> bytes:
    try:
        value = json.loads(body) if body.strip() else None
    except (ValueError, UnicodeDecodeError):
        return body  # not JSON: the bytes are all there is to compare
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


class IdempotencyStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def find(
        self, username: str, key: str, print_: str, earlier_print: str | None = None
    ) -> StoredResponse | None:
        with Session(self._engine) as session:
            row = session.scalar(
                select(IdempotencyRow).where(
                    IdempotencyRow.username == username, IdempotencyRow.key == key
                )
            )
        if row is None:
            return None
        if row.fingerprint not in {print_, earlier_print}:
            raise KeyReusedForAnotherRequest(
                f"Idempotency-Key {key!r} was already used for a different request; "
                "use a new key for a new request."
            )
        return StoredResponse(row.status_code, json.loads(row.body))

    def remember(
        self, username: str, key: str, print_: str, response: StoredResponse
    ) -> StoredResponse:
        """Keep the response for the key; if a concurrent retry kept one first, that one."""
        row = IdempotencyRow(
            username=username,
            key=key,
            fingerprint=print_,
            status_code=response.status_code,
            body=json.dumps(response.body),
        )
        try:
            with Session(self._engine) as session, session.begin():
                session.add(row)
        except IntegrityError:
            kept = self.find(username, key, print_)
            if kept is None:
                raise
            return kept
        return response


@dataclass(frozen=True)
class IdempotentRequest:
    """One POST as the idempotency machinery sees it."""

    store: IdempotencyStore
    username: str
    key: str | None
    print_: str
    fallback_command_id: str
    earlier_print: str | None = None  # the fingerprint of the bytes, for keys stored before

    @property
    def command_id(self) -> str:
        """The key becomes the command id, so even a retry after a crash deduplicates."""
        return f"{self.username}:{self.key}" if self.key else self.fallback_command_id

    async def run(self, call: Callable[[str], Awaitable[StoredResponse]]) -> StoredResponse:
        if self.key is None:
            return await self._answer(call)
        stored = self.store.find(self.username, self.key, self.print_, self.earlier_print)
        if stored is not None:
            return stored
        # A refusal is an answer too: the retry gets the same one, and still no event.
        response = await self._answer(call)
        return self.store.remember(self.username, self.key, self.print_, response)

    async def _answer(self, call: Callable[[str], Awaitable[StoredResponse]]) -> StoredResponse:
        try:
            return await call(self.command_id)
        except DomainError as refusal:
            if refusal.transient:
                # "Send it again" is not kept under the key, or the retry it asks for would
                # get it forever; the error handler answers it (503, Retry-After).
                raise
            return StoredResponse(refusal_status(refusal), refusal_body(refusal))
