"""User accounts, password hashing (argon2 via pwdlib) and bearer tokens (JWT via PyJWT)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property

import jwt
from pwdlib import PasswordHash
from sqlalchemy import Boolean, Engine, Integer, String, Text, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from domain.countries import country_codes_given
from domain.errors import InvalidInput
from domain.text import TextRefused, TextRule, clean_text, first_control_character
from domain.values import Actor, Role
from service.i18n import LANGUAGES
from service.storage.database import ServiceTables

TOKEN_ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "sub"]
USERNAME_MAX = 120
PASSWORD_MAX = 1024
# A password a person chooses (an invitation accepted, their own changed): long enough that
# the throttled login is no way to guess it. Accounts made on the server keep the old rule.
NEW_PASSWORD_MIN = 10
ROLES_WITH_A_TRAINER = frozenset({Role.EXPERT, Role.TRAINER})


class UserRow(ServiceTables):
    __tablename__ = "svc_users"

    username: Mapped[str] = mapped_column(String(USERNAME_MAX), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    # Experts and trainers act as themselves: their trainer id in the event store.
    trainer_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # A deactivated user can neither log in nor use a token issued before.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Tokens issued before this moment (epoch seconds) are refused: set on deactivation, so
    # that activating the user again does not bring back tokens that were out there.
    tokens_valid_from: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A country office: the ISO 3166-1 alpha-2 codes an office user works in, comma-separated
    # ("IN,LK"); NULL for headquarters (and every other role), which sees every country.
    countries: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The language the person chose in the pages (en, fr, es); NULL: none chosen. Their pages
    # read in it, else in the browser's; their e-mails are written in it, else in English.
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)


@dataclass(frozen=True)
class Login:
    """A login as the office manages it: whose it is and whether it may be used."""

    username: str
    role: Role
    trainer_id: str | None
    active: bool


@dataclass(frozen=True)
class User:
    username: str
    role: Role
    trainer_id: str | None
    countries: tuple[str, ...] = ()  # a country office's; empty: headquarters, or not an office
    language: str | None = None  # the one they chose (service.i18n.LANGUAGES); None: not chosen

    @property
    def actor(self) -> Actor:
        return Actor(self.trainer_id or self.username, self.role, self.countries)


class UserExists(Exception):
    pass


class UnknownUser(Exception):
    pass


class InvalidToken(Exception):
    pass


class UserNotActive(InvalidToken):
    """A well-signed token of a user who was deactivated (or deleted) since it was issued."""


def control_character(text: str) -> str | None:
    """Why `text` cannot be a username or password (a control character, e.g. NUL), or None.

    Such a name could never have been created, and PostgreSQL refuses NUL in any text
    parameter; refusing it up front keeps a login form's poison byte from reaching the query.
    """
    found = first_control_character(text)
    if found is None:
        return None
    position, name = found
    return f"contains the control character {name} at position {position}"


def new_password_problem(password: str) -> str | None:
    """Why `password` cannot be chosen as a new one, or None."""
    if reason := control_character(password):
        return f"The password {reason}; choose one without."
    if not NEW_PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return f"Choose a password of {NEW_PASSWORD_MIN} to {PASSWORD_MAX} characters."
    return None


class Accounts:
    def __init__(
        self, engine: Engine, secret: str, token_lifetime: timedelta, hasher: PasswordHash
    ) -> None:
        self._engine = engine
        self._secret = secret
        self._lifetime = token_lifetime
        self._hasher = hasher

    @cached_property
    def nobodys_hash(self) -> str:
        """What an unknown username's password is checked against: the same argon2 work.

        Made on first use, or by `prepare_logins`.
        """
        return self._hasher.hash(secrets.token_urlsafe(16))

    def prepare_logins(self) -> None:
        """Make nobody's hash now (the API does, at start): the first unknown username then
        costs no more than a known one."""
        _ = self.nobodys_hash

    def create(
        self,
        username: str,
        password: str,
        role: Role,
        trainer_id: str | None,
        countries: str | None = None,
    ) -> User:
        if role in ROLES_WITH_A_TRAINER and trainer_id is None:
            raise ValueError("Experts and trainers log in as a registered trainer: give its id.")
        scope = office_countries(role, countries)
        try:
            # A username becomes the actor of office and auditor events: it is judged as
            # every other recorded text is (no bidi overrides, no invisible characters).
            if clean_text(username, TextRule(USERNAME_MAX)) != username:
                raise ValueError("The username has surrounding spaces or is not in NFC form.")
        except TextRefused as refused:
            raise ValueError(f"The username {refused}") from None
        if reason := control_character(password):
            raise ValueError(f"The password {reason}; choose one without.")
        if not password or len(password) > PASSWORD_MAX:
            raise ValueError(f"The password needs 1 to {PASSWORD_MAX} characters.")
        row = UserRow(
            username=username,
            password_hash=self._hasher.hash(password),
            role=role.value,
            trainer_id=trainer_id,
            active=True,
            tokens_valid_from=0,
            countries=",".join(scope) or None,
        )
        try:
            with Session(self._engine) as session, session.begin():
                session.add(row)
        except IntegrityError:
            raise UserExists(f"User {username} already exists.") from None
        return User(username, role, trainer_id, scope)

    def authenticate(self, username: str, password: str) -> User | None:
        """The user, if the password is theirs and they are active; else None.

        Every refusal costs one password check, like a success: an unknown (or unusable)
        username is checked against a hash of nobody's password, and a deactivated user's
        password is checked before they are refused, so the answer time tells nothing.
        """
        row = None
        if control_character(username) is None and len(username) <= USERNAME_MAX:
            with Session(self._engine) as session:
                row = session.get(UserRow, username)
        if row is None:
            self._hasher.verify(password, self.nobodys_hash)
            return None
        if not self._hasher.verify(password, row.password_hash) or not row.active:
            return None
        return _user(row)

    def issue_token(self, user: User, now: datetime | None = None) -> str:
        """A token that names the user only: role and trainer id are read anew on every use."""
        issued = now or datetime.now(UTC)
        claims = {"sub": user.username, "iat": issued, "exp": issued + self._lifetime}
        return jwt.encode(claims, self._secret, algorithm=TOKEN_ALGORITHM)

    def user_from_token(self, token: str) -> User:
        """The token's user as the user record says now: refused if deactivated or deleted."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[TOKEN_ALGORITHM],
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from None
        username, issued = claims["sub"], claims["iat"]
        if not isinstance(username, str) or not isinstance(issued, int | float):
            raise InvalidToken("The token's subject or issue time is malformed.")
        with Session(self._engine) as session:
            row = session.get(UserRow, username)
        if row is None or not row.active:
            raise UserNotActive(f"User {username} does not exist or is deactivated.")
        if issued < row.tokens_valid_from:
            raise UserNotActive("The token was issued before the user was deactivated.")
        return _user(row)

    def deactivate(self, username: str, now: datetime | None = None) -> None:
        """Refuse the user's logins and every token they hold, from this moment on."""
        moment = now or datetime.now(UTC)

        def deactivated(row: UserRow) -> None:
            row.active = False
            # Whole seconds, like a token's iat; rounded up so a token from this very second
            # (issued before the deactivation) is refused too.
            row.tokens_valid_from = int(moment.timestamp()) + 1

        self._change(username, deactivated)

    def activate(self, username: str) -> None:
        """Let the user log in again; tokens from before the deactivation stay refused."""

        def activated(row: UserRow) -> None:
            row.active = True

        self._change(username, activated)

    def set_role(
        self,
        username: str,
        role: Role,
        trainer_id: str | None = None,
        countries: str | None = None,
    ) -> User:
        """Give the user another role (from their next request on); a trainer id if needed;
        an office user the countries of its country office (none: headquarters)."""
        scope = office_countries(role, countries)

        def changed(row: UserRow) -> None:
            if trainer_id is not None:
                row.trainer_id = trainer_id
            if role in ROLES_WITH_A_TRAINER and row.trainer_id is None:
                raise ValueError(
                    f"An {role.value} logs in as a registered trainer: give the trainer's e-mail."
                )
            row.role = role.value
            row.countries = ",".join(scope) or None

        return self._change(username, changed)

    def set_password(
        self, username: str, password: str, sign_out_at: datetime | None = None
    ) -> User:
        """Give the user a new password (already judged by the caller); with `sign_out_at`,
        every token issued up to that moment is refused from then on."""
        password_hash = self._hasher.hash(password)

        def changed(row: UserRow) -> None:
            row.password_hash = password_hash
            if sign_out_at is not None:
                # Rounded down, unlike a deactivation: the person logs in again at once with
                # the new password, and that token (from this very second) must hold. A token
                # issued within the same second before the reset holds too.
                row.tokens_valid_from = int(sign_out_at.timestamp())

        return self._change(username, changed)

    def login(self, username: str) -> Login | None:
        """The login named `username`, active or not; None if there is none."""
        if control_character(username) is not None or len(username) > USERNAME_MAX:
            return None  # no login can have such a name, and PostgreSQL refuses NUL
        with Session(self._engine) as session:
            row = session.get(UserRow, username)
        return None if row is None else _login(row)

    def logins_of(self, trainer_id: str) -> list[Login]:
        """Every login through which the trainer acts (one, as a rule)."""
        with Session(self._engine) as session:
            rows = session.scalars(
                select(UserRow).where(UserRow.trainer_id == trainer_id).order_by(UserRow.username)
            ).all()
        return [_login(row) for row in rows]

    def choose_language(self, username: str, language: str) -> User:
        """Keep the language the person chose (one of `service.i18n.LANGUAGES`)."""
        if language not in LANGUAGES:
            raise ValueError(f"Choose one of the languages {', '.join(LANGUAGES)}.")

        def chosen(row: UserRow) -> None:
            row.language = language

        return self._change(username, chosen)

    def move_logins(self, from_trainer_id: str, to_trainer_id: str) -> None:
        """Let every login of one trainer record act as another from its next request on
        (a merged-away record's logins act as the person). Repeating it moves nothing more."""
        with Session(self._engine) as session, session.begin():
            session.execute(
                update(UserRow)
                .where(UserRow.trainer_id == from_trainer_id)
                .values(trainer_id=to_trainer_id)
            )

    def _change(self, username: str, change: Callable[[UserRow], None]) -> User:
        with Session(self._engine) as session, session.begin():
            row = session.get(UserRow, username, with_for_update=True)
            if row is None:
                raise UnknownUser(f"There is no user {username}.")
            change(row)
            return _user(row)


@dataclass(frozen=True)
class ChosenLanguages:
    """The languages people chose on their logins, as the e-mails to them need them."""

    engine: Engine

    def of_trainer(self, trainer_id: str) -> str | None:
        """The language a trainer (or expert) chose through their login; None if none did.
        Of several logins of one person, the first by name that chose one."""
        with Session(self.engine) as session:
            return session.scalars(
                select(UserRow.language)
                .where(UserRow.trainer_id == trainer_id, UserRow.language.is_not(None))
                .order_by(UserRow.username)
                .limit(1)
            ).first()


def office_countries(role: Role, countries: str | None) -> tuple[str, ...]:
    """The country office's codes from "IN,lk" (sorted, distinct); () for headquarters.
    Only an office user is scoped: the other roles are limited by their grants."""
    if countries is None:
        return ()
    if role is not Role.HQ:
        raise ValueError(f"Only office users (hq) work for a country office, not {role.value}s.")
    try:
        return country_codes_given("countries", countries)
    except InvalidInput as refused:
        raise ValueError(refused.reason) from None


def _user(row: UserRow) -> User:
    scope = tuple(row.countries.split(",")) if row.countries else ()
    return User(row.username, Role(row.role), row.trainer_id, scope, row.language)


def _login(row: UserRow) -> Login:
    return Login(row.username, Role(row.role), row.trainer_id, row.active)
