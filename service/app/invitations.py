"""Invitation links and one-time passwords: secrets shown once, never stored as they are.

Both are derived from the server's secret and the office's request (its command id, which an
Idempotency-Key fixes): a retried request shows the same secret again, although no copy of it
is kept anywhere — the idempotency store keeps the answer without it, and the invitations
table keeps only a SHA-256 digest of the invitation's nonce.

An invitation is a token signed with itsdangerous (a tampered or foreign token is refused
before any lookup); its row says whose it is, until when it holds, and whether it was used:
accepting it marks it used in the same transaction that checks it, so it works once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import DateTime, Engine, String, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from domain.errors import DomainError
from service.storage.database import ServiceTables

INVITATION_SALT = "score-login-invitation"
TOKEN_MAX = 200  # a token as this module makes it is ~70 characters
NOT_AN_INVITATION = "This is not an invitation link of this service."


class InvitationRow(ServiceTables):
    __tablename__ = "svc_invitations"

    # SHA-256 of the invitation's nonce: the token cannot be rebuilt from the table.
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(120), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class InvitationRefused(DomainError):
    """The invitation is unknown, tampered with, used, withdrawn or expired."""

    kind = "invalid"


@dataclass(frozen=True)
class Invitation:
    username: str
    token: str
    expires_at: datetime


class SecretMaker:
    """Secrets derived from the server's secret (HMAC-SHA256) and what they are for."""

    def __init__(self, server_secret: str) -> None:
        self._key = hashlib.sha256(f"score-login-secrets:{server_secret}".encode()).digest()

    def derive(self, purpose: str, command_id: str) -> bytes:
        return hmac.new(self._key, f"{purpose}\n{command_id}".encode(), hashlib.sha256).digest()

    def one_time_password(self, username: str, command_id: str) -> str:
        """16 letters and digits in groups of four (80 bits), easy to read out and type."""
        raw = base64.b32encode(self.derive(f"password\n{username}", command_id)).decode()
        letters = raw.lower()[:16]
        return "-".join(letters[i : i + 4] for i in range(0, 16, 4))

    def nonce(self, username: str, command_id: str) -> str:
        raw = self.derive(f"invitation\n{username}", command_id)
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class Invitations:
    def __init__(
        self, engine: Engine, server_secret: str, lifetime: timedelta, secrets: SecretMaker
    ) -> None:
        self._engine = engine
        self._signer = URLSafeSerializer(server_secret, salt=INVITATION_SALT)
        self.lifetime = lifetime
        self._secrets = secrets

    def issue(self, username: str, command_id: str, now: datetime) -> Invitation:
        """A new invitation for `username`; every earlier one of theirs is withdrawn.

        The same command issues the same invitation (a retry after a crash finds its row).
        """
        nonce = self._secrets.nonce(username, command_id)
        expires_at = now + self.lifetime
        row = InvitationRow(
            digest=_digest(nonce), username=username, issued_at=now, expires_at=expires_at
        )
        try:
            with Session(self._engine) as session, session.begin():
                self._withdraw(session, username, now)
                session.add(row)
        except IntegrityError:
            with Session(self._engine) as session:
                kept = session.get(InvitationRow, _digest(nonce))
            assert kept is not None, "an invitation's digest clashed with nothing"
            return Invitation(
                username, self.token_for(username, command_id), _aware(kept.expires_at)
            )
        return Invitation(username, self.token_for(username, command_id), expires_at)

    def token_for(self, username: str, command_id: str) -> str:
        """The token `issue` gave for this command, made again (nothing stored holds it)."""
        return self._signer.dumps(self._secrets.nonce(username, command_id))

    def withdraw(self, username: str, now: datetime) -> None:
        """Every open invitation of `username` stops working (a reset, a deactivation)."""
        with Session(self._engine) as session, session.begin():
            self._withdraw(session, username, now)

    def redeem(self, token: str, now: datetime) -> str:
        """The invited username, the invitation used up; else InvitationRefused."""
        nonce = self._nonce_in(token)
        with Session(self._engine) as session, session.begin():
            row = session.get(InvitationRow, _digest(nonce), with_for_update=True)
            if row is None:
                raise InvitationRefused(
                    "This invitation link is not known; copy the whole link, or ask the "
                    "programme office for a new one.",
                    code="invitation_unknown",
                )
            if row.used_at is not None:
                raise InvitationRefused(
                    "This invitation was already used or replaced by a newer one; log in with "
                    "your password, or ask the programme office for a new invitation.",
                    code="invitation_used",
                )
            if _aware(row.expires_at) <= now:
                expired = _aware(row.expires_at)
                raise InvitationRefused(
                    f"This invitation expired on {expired:%Y-%m-%d %H:%M} UTC; "
                    "ask the programme office for a new one.",
                    code="invitation_expired",
                    params={"expired_on": expired.date()},
                )
            row.used_at = now
            return row.username

    def _nonce_in(self, token: str) -> str:
        if len(token) > TOKEN_MAX:
            raise InvitationRefused(NOT_AN_INVITATION, code="invitation_unknown")
        try:
            nonce = self._signer.loads(token)
        except BadSignature:
            raise InvitationRefused(NOT_AN_INVITATION, code="invitation_unknown") from None
        if not isinstance(nonce, str):
            raise InvitationRefused(NOT_AN_INVITATION, code="invitation_unknown")
        return nonce

    @staticmethod
    def _withdraw(session: Session, username: str, now: datetime) -> None:
        still_open = (InvitationRow.username == username) & (InvitationRow.used_at.is_(None))
        session.execute(update(InvitationRow).where(still_open).values(used_at=now))
