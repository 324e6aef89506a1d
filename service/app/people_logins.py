"""Logins for registered people: the office gives, resets, deactivates; people set their own.

A candidate or an expert trainer is registered first (`Certification.register_trainer`); the
office then gives them a login, delivered either as an invitation link that expires (the
person chooses their password by accepting it) or as a one-time password the office reads
out once. Until an invitation is accepted the login has a random password nobody knows.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.errors import DomainError, MergeRefused
from domain.text import TextRefused, TextRule, clean_text
from domain.trainer.state import TrainerState
from domain.values import Actor, Role
from service.app.accounts import (
    NEW_PASSWORD_MIN,
    PASSWORD_MAX,
    USERNAME_MAX,
    Accounts,
    Login,
    User,
    UserExists,
    new_password_problem,
)
from service.app.certification import Certification, Result
from service.app.invitations import Invitation, Invitations, SecretMaker


class Delivery(StrEnum):
    """How the person receives their first (or a new) password."""

    INVITATION = "invitation"  # a link that expires; the person chooses the password
    ONE_TIME_PASSWORD = "one_time_password"  # shown once to the office, to hand over


class LoginExists(DomainError):
    """The person, or the username, has a login already: reset it instead."""


class NoSuchLogin(DomainError):
    kind = "not_found"


class LoginNotAccepted(DomainError):
    """A username or password that cannot be chosen: the reason says why."""

    kind = "invalid"


@dataclass(frozen=True)
class LoginGiven:
    """What the office reads after giving or resetting a login: the secret, once."""

    login: Login
    delivery: Delivery
    invitation: Invitation | None = None
    one_time_password: str | None = None


class PeopleLogins:
    def __init__(
        self,
        accounts: Accounts,
        invitations: Invitations,
        secrets_: SecretMaker,
        certification: Certification,
    ) -> None:
        self.accounts = accounts
        self.invitations = invitations
        self.secrets = secrets_
        self.certification = certification

    def give(
        self,
        trainer_id: str,
        username: str | None,
        delivery: Delivery,
        command_id: str,
        now: datetime,
    ) -> LoginGiven:
        """A login for a registered trainer (their e-mail unless `username` is given); an
        expert trainer logs in as an expert, anyone else as a trainer."""
        trainer = self.certification.trainer(trainer_id)  # NotFound for an unknown id
        if self.accounts.logins_of(trainer.trainer_id):
            raise LoginExists(
                f"{trainer.name} has a login already; reset it to send a new invitation or "
                "password.",
                code="login_exists",
                params={"name": trainer.name},
            )
        name = _username(username or trainer.email)
        role = Role.EXPERT if trainer.is_expert else Role.TRAINER
        try:
            # Nobody knows this password: the invitation, or the one-time password, replaces it.
            self.accounts.create(name, secrets.token_urlsafe(32), role, trainer.trainer_id)
        except UserExists:
            raise LoginExists(
                f"The username {name} is taken; choose another for {trainer.name}.",
                code="username_taken",
                params={"username": name, "name": trainer.name},
            ) from None
        return self._deliver(name, delivery, command_id, now)

    def merge_trainers(
        self,
        surviving_id: str,
        merged_id: str,
        reason: str,
        actor: Actor,
        command_id: str,
        at: datetime,
    ) -> Result[TrainerState]:
        """Merge two records of one person (`Certification.merge_trainers`), then move the
        merged-away record's logins to the person, so that no one acts as a record that is
        no more. A retried merge moves any login the first attempt left behind, and so does
        one refused because the record is already merged into this survivor (a client that
        crashed between the merge and the move, retrying with a new key): the refusal stands."""
        try:
            merged = self.certification.merge_trainers(
                surviving_id, merged_id, reason, actor, command_id, at
            )
        except MergeRefused:
            self._move_logins_if_merged_into(surviving_id, merged_id)
            raise
        self._move_logins_if_merged_into(surviving_id, merged_id)
        return merged

    def _move_logins_if_merged_into(self, surviving_id: str, merged_id: str) -> None:
        """The merged record's logins moved to the person it now reads as (following every
        merge since), when that is the survivor's person; idempotent."""
        person = self.certification.trainer(merged_id).trainer_id
        if (
            person != str(UUID(merged_id))
            and person == self.certification.trainer(surviving_id).trainer_id
        ):
            self.accounts.move_logins(str(UUID(merged_id)), person)

    def reset(
        self, username: str, delivery: Delivery, command_id: str, now: datetime
    ) -> LoginGiven:
        """A new invitation or one-time password; the old password, earlier invitations and
        every token issued so far stop working."""
        self._existing(username)
        self.accounts.set_password(username, secrets.token_urlsafe(32), sign_out_at=now)
        return self._deliver(username, delivery, command_id, now)

    def deactivate(self, username: str, now: datetime) -> Login:
        self._existing(username)
        self.accounts.deactivate(username, now)
        self.invitations.withdraw(username, now)
        return self._existing(username)

    def activate(self, username: str) -> Login:
        self._existing(username)
        self.accounts.activate(username)
        return self._existing(username)

    def accept_invitation(self, token: str, password: str, now: datetime) -> User:
        """The invited person chooses their password; the invitation is used up."""
        _judge(password)
        username = self.invitations.redeem(token, now)
        return self.accounts.set_password(username, password)

    def change_password(self, user: User, new_password: str) -> None:
        """Someone logged in chooses a new password (their current one checked by the caller)."""
        _judge(new_password)
        self.accounts.set_password(user.username, new_password)

    def secret_for(self, username: str, delivery: Delivery, command_id: str) -> str:
        """The secret a command delivered, made again: a retried request's kept answer holds
        none (see service/app/invitations.py)."""
        if delivery is Delivery.ONE_TIME_PASSWORD:
            return self.secrets.one_time_password(username, command_id)
        return self.invitations.token_for(username, command_id)

    def _deliver(
        self, username: str, delivery: Delivery, command_id: str, now: datetime
    ) -> LoginGiven:
        if delivery is Delivery.ONE_TIME_PASSWORD:
            password = self.secrets.one_time_password(username, command_id)
            self.accounts.set_password(username, password)
            self.invitations.withdraw(username, now)
            return LoginGiven(self._existing(username), delivery, one_time_password=password)
        invitation = self.invitations.issue(username, command_id, now)
        return LoginGiven(self._existing(username), delivery, invitation=invitation)

    def _existing(self, username: str) -> Login:
        """A trainer's or expert's login: staff logins are kept with `score users` only."""
        found = self.accounts.login(username)
        if found is None or found.trainer_id is None:
            raise NoSuchLogin(
                f"There is no login {username!r} of a trainer or expert (staff logins are "
                "managed on the server with `score users`)."
            )
        return found


def _username(text: str) -> str:
    try:
        return clean_text(text, TextRule(USERNAME_MAX))
    except TextRefused as refused:
        raise LoginNotAccepted(f"The username {refused}") from None


def _judge(password: str) -> None:
    if problem := new_password_problem(password):
        length = {"least": NEW_PASSWORD_MIN, "most": PASSWORD_MAX}
        raise LoginNotAccepted(problem, code="password_not_accepted", params=length)
