"""User accounts, password hashing (argon2 via pwdlib) and bearer tokens (JWT via PyJWT)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from pwdlib import PasswordHash
from sqlalchemy import Engine, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from domain.values import Actor, Role
from service.database import ServiceTables

TOKEN_ALGORITHM = "HS256"


class UserRow(ServiceTables):
    __tablename__ = "svc_users"

    username: Mapped[str] = mapped_column(String(120), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    # Experts and trainers act as themselves: their trainer id in the event store.
    trainer_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


@dataclass(frozen=True)
class User:
    username: str
    role: Role
    trainer_id: str | None

    @property
    def actor(self) -> Actor:
        return Actor(self.trainer_id or self.username, self.role)


class UserExists(Exception):
    pass


class InvalidToken(Exception):
    pass


class Accounts:
    def __init__(
        self, engine: Engine, secret: str, token_lifetime: timedelta, hasher: PasswordHash
    ) -> None:
        self._engine = engine
        self._secret = secret
        self._lifetime = token_lifetime
        self._hasher = hasher

    def create(self, username: str, password: str, role: Role, trainer_id: str | None) -> User:
        if role in {Role.EXPERT, Role.TRAINER} and trainer_id is None:
            raise ValueError("Experts and trainers log in as a registered trainer: give its id.")
        row = UserRow(
            username=username,
            password_hash=self._hasher.hash(password),
            role=role.value,
            trainer_id=trainer_id,
        )
        try:
            with Session(self._engine) as session, session.begin():
                session.add(row)
        except IntegrityError:
            raise UserExists(f"User {username} already exists.") from None
        return User(username, role, trainer_id)

    def authenticate(self, username: str, password: str) -> User | None:
        with Session(self._engine) as session:
            row = session.scalar(select(UserRow).where(UserRow.username == username))
        if row is None or not self._hasher.verify(password, row.password_hash):
            return None
        return User(row.username, Role(row.role), row.trainer_id)

    def issue_token(self, user: User, now: datetime | None = None) -> str:
        issued = now or datetime.now(UTC)
        claims = {
            "sub": user.username,
            "role": user.role.value,
            "trainer_id": user.trainer_id,
            "iat": issued,
            "exp": issued + self._lifetime,
        }
        return jwt.encode(claims, self._secret, algorithm=TOKEN_ALGORITHM)

    def user_from_token(self, token: str) -> User:
        try:
            claims = jwt.decode(token, self._secret, algorithms=[TOKEN_ALGORITHM])
            return User(claims["sub"], Role(claims["role"]), claims.get("trainer_id"))
        except (jwt.PyJWTError, KeyError, ValueError) as error:
            raise InvalidToken(str(error)) from None
