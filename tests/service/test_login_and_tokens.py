"""Logging in under attack, and tokens that answer to the user record as it is now.

On SQLite and on PostgreSQL, with cheap argon2 settings: what is counted here is the number
of password checks, not time (tests/service/test_login_memory.py runs the real settings).
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from limits import parse_many
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import delete
from sqlalchemy.orm import Session

from domain.values import Role
from service.app.accounts import (
    TOKEN_ALGORITHM,
    Accounts,
    ChosenLanguages,
    InvalidToken,
    UnknownUser,
    UserRow,
)
from service.app.login import (
    LoginBusy,
    LoginRefused,
    Logins,
    LoginThrottle,
    LoginThrottled,
    PasswordChecks,
)
from service.settings import Settings
from service.storage.database import create_service_engine
from tests.migrated import migrated
from tests.postgres import scratch_database

SECRET = "a-test-secret-of-at-least-32-bytes-long"
PASSWORD = "correct horse battery staple"
HERE, ELSEWHERE = "192.0.2.1", "198.51.100.7"


class CountingHasher(PasswordHash):
    """argon2 as in production, cheap, counting every password check and the most at once."""

    def __init__(self) -> None:
        super().__init__((Argon2Hasher(memory_cost=1024, time_cost=1),))
        self.checks = 0
        self.most_at_once = 0
        self._now = 0
        self._lock = threading.Lock()

    def verify(self, password: str | bytes, hash: str | bytes) -> bool:
        with self._lock:
            self.checks += 1
            self._now += 1
            self.most_at_once = max(self.most_at_once, self._now)
        try:
            time.sleep(0.01)  # long enough for concurrent checks to overlap
            return super().verify(password, hash)
        finally:
            with self._lock:
                self._now -= 1


@dataclass
class Office:
    accounts: Accounts
    hasher: CountingHasher


@pytest.fixture
def own_settings(settings: Settings) -> Iterator[Settings]:
    """The backend's settings with a database of this test's own (the names repeat)."""
    if settings.database_url is None:
        yield settings
        return
    with scratch_database("score_login") as url:
        yield migrated(settings.model_copy(update={"database_url": url}))


@pytest.fixture
def office(own_settings: Settings) -> Iterator[Office]:
    engine = create_service_engine(own_settings)
    hasher = CountingHasher()
    accounts = Accounts(engine, SECRET, timedelta(hours=8), hasher)
    accounts.prepare_logins()
    yield Office(accounts, hasher)
    engine.dispose()


def logins(
    office: Office,
    per_account: str = "5/minute",
    per_client: str = "100/minute",
    concurrent: int = 2,
    queue: int = 16,
) -> Logins:
    throttle = LoginThrottle(parse_many(per_account), parse_many(per_client))
    return Logins(office.accounts, throttle, PasswordChecks(concurrent, queue))


async def attempt(desk: Logins, username: str, password: str, client: str = HERE) -> str:
    """What the person sees: 'ok', 'refused' or 'wait N'."""
    try:
        await desk.log_in(username, password, client)
    except LoginRefused:
        return "refused"
    except LoginThrottled as throttled:
        return f"wait {throttled.retry_after}"
    return "ok"


# Tokens --------------------------------------------------------------------------------------


def test_a_token_must_carry_its_expiry_issue_time_and_subject(office: Office) -> None:
    ada = office.accounts.create("ada", PASSWORD, Role.HQ, None)
    now = datetime.now(UTC)
    complete = {"sub": "ada", "iat": now, "exp": now + timedelta(minutes=5)}
    assert office.accounts.user_from_token(jwt.encode(complete, SECRET, TOKEN_ALGORITHM)) == ada

    for missing in ("exp", "iat", "sub"):
        forged = jwt.encode(
            {k: v for k, v in complete.items() if k != missing}, SECRET, TOKEN_ALGORITHM
        )
        with pytest.raises(InvalidToken, match=missing):
            office.accounts.user_from_token(forged)


def test_a_token_names_the_user_only_and_their_role_is_read_from_the_record(
    office: Office,
) -> None:
    ada = office.accounts.create("ada", PASSWORD, Role.AUDITOR, None)
    token = office.accounts.issue_token(ada)
    assert set(jwt.decode(token, SECRET, [TOKEN_ALGORITHM])) == {"sub", "iat", "exp"}

    office.accounts.set_role("ada", Role.HQ)
    assert office.accounts.user_from_token(token).role is Role.HQ, "at once, same token"

    with pytest.raises(ValueError, match="give the trainer's e-mail"):
        office.accounts.set_role("ada", Role.TRAINER)
    trainer_id = str(uuid.uuid4())
    office.accounts.set_role("ada", Role.TRAINER, trainer_id)
    now_a_trainer = office.accounts.user_from_token(token)
    assert (now_a_trainer.role, now_a_trainer.trainer_id) == (Role.TRAINER, trainer_id)
    assert now_a_trainer.actor.user_id == trainer_id

    with pytest.raises(UnknownUser):
        office.accounts.set_role("nobody", Role.HQ)


def test_a_deactivated_user_is_refused_at_once_and_reactivation_revives_no_old_token(
    office: Office,
) -> None:
    ada = office.accounts.create("ada", PASSWORD, Role.HQ, None)
    old_token = office.accounts.issue_token(ada, datetime.now(UTC) - timedelta(seconds=5))
    assert office.accounts.user_from_token(old_token) == ada

    office.accounts.deactivate("ada", now=datetime.now(UTC) - timedelta(seconds=3))
    with pytest.raises(InvalidToken, match="deactivated"):
        office.accounts.user_from_token(old_token)
    assert office.accounts.authenticate("ada", PASSWORD) is None, "the right password too"

    office.accounts.activate("ada")
    assert office.accounts.authenticate("ada", PASSWORD) == ada
    with pytest.raises(InvalidToken, match="before the user was deactivated"):
        office.accounts.user_from_token(old_token)
    fresh = office.accounts.issue_token(ada)
    assert office.accounts.user_from_token(fresh) == ada


def test_a_deleted_users_token_is_refused(office: Office, own_settings: Settings) -> None:
    token = office.accounts.issue_token(office.accounts.create("ada", PASSWORD, Role.HQ, None))
    engine = create_service_engine(own_settings)
    with Session(engine) as session, session.begin():
        session.execute(delete(UserRow).where(UserRow.username == "ada"))
    engine.dispose()
    with pytest.raises(InvalidToken, match="does not exist"):
        office.accounts.user_from_token(token)


# Equal work ----------------------------------------------------------------------------------


async def test_every_refusal_costs_one_password_check_whoever_is_asked(office: Office) -> None:
    office.accounts.create("ada", PASSWORD, Role.HQ, None)
    office.accounts.create("bob", PASSWORD, Role.AUDITOR, None)
    office.accounts.deactivate("bob")
    desk = logins(office)

    async def checks(username: str, password: str) -> tuple[str, int]:
        before = office.hasher.checks
        outcome = await attempt(desk, username, password)
        return outcome, office.hasher.checks - before

    assert await checks("ada", "wrong") == ("refused", 1)  # known, wrong password
    assert await checks("nobody", "wrong") == ("refused", 1)  # unknown
    assert await checks("bob", PASSWORD) == ("refused", 1)  # deactivated, right password
    assert await checks("ada", PASSWORD) == ("ok", 1)
    # A name that can exist nowhere (PostgreSQL would raise on the NUL) costs the same too.
    assert await checks("a\x00da", PASSWORD) == ("refused", 1)


async def test_a_throttled_attempt_checks_no_password_for_known_and_unknown_names_alike(
    office: Office,
) -> None:
    office.accounts.create("ada", PASSWORD, Role.HQ, None)
    desk = logins(office, per_account="2/minute")
    for name in ("ada", "nobody"):
        assert [await attempt(desk, name, "wrong") for _ in range(2)] == ["refused"] * 2
        before = office.hasher.checks
        assert (await attempt(desk, name, PASSWORD)).startswith("wait ")
        assert office.hasher.checks == before


# Throttling ----------------------------------------------------------------------------------


async def test_an_account_that_keeps_failing_waits_longer_each_time_and_a_success_resets_it(
    office: Office,
) -> None:
    office.accounts.create("ada", PASSWORD, Role.HQ, None)
    # Windows of seconds, with margins of seconds: a loaded machine must not change the story.
    desk = logins(office, per_account="2/2 seconds;3/8 seconds")

    first_failure_at = time.monotonic()
    assert await attempt(desk, "ada", "guess-1") == "refused"
    assert await attempt(desk, "ada", "guess-2") == "refused"
    second_failure_at = time.monotonic()
    first_wait = await attempt(desk, "ada", PASSWORD)
    assert first_wait.startswith("wait "), "even the right password waits"

    await asyncio.sleep(second_failure_at + 2.05 - time.monotonic())
    assert await attempt(desk, "ada", "guess-3") == "refused"
    # The third failure within 8 s: the longer window now decides, and the wait grows.
    second_wait = await attempt(desk, "ada", PASSWORD)
    assert second_wait.startswith("wait ")
    assert int(second_wait.split()[1]) > int(first_wait.split()[1])
    assert await attempt(desk, "bob", "guess") == "refused", "other accounts are not held up"

    await asyncio.sleep(first_failure_at + 8.1 - time.monotonic())
    assert await attempt(desk, "ada", PASSWORD) == "ok"
    # The success cleared ada's count: two more failures before the next wait, not one.
    assert await attempt(desk, "ada", "guess-4") == "refused"
    assert await attempt(desk, "ada", "guess-5") == "refused"
    assert (await attempt(desk, "ada", "guess-6")).startswith("wait")


async def test_a_client_guessing_across_accounts_is_held_up_while_others_log_in(
    office: Office,
) -> None:
    office.accounts.create("ada", PASSWORD, Role.HQ, None)
    desk = logins(office, per_client="3/minute")
    for _ in range(5):
        assert await attempt(desk, "ada", PASSWORD, HERE) == "ok", "successes do not count"

    for name in ("ada", "bob", "carol"):
        assert await attempt(desk, name, "spray", HERE) == "refused"
    refused = await attempt(desk, "dave", "spray", HERE)
    assert refused.startswith("wait ") and 55 <= int(refused.split()[1]) <= 60
    assert await attempt(desk, "ada", PASSWORD, HERE) == refused, "the right password waits too"
    assert await attempt(desk, "ada", PASSWORD, ELSEWHERE) == "ok"


async def test_concurrent_guesses_at_one_account_cannot_slip_past_its_limit(
    office: Office,
) -> None:
    office.accounts.create("ada", PASSWORD, Role.HQ, None)
    desk = logins(office, per_account="3/minute")
    outcomes = await asyncio.gather(*(attempt(desk, "ada", f"guess-{i}") for i in range(20)))
    assert outcomes.count("refused") == 3
    assert all(o.startswith("wait ") for o in outcomes if o != "refused")
    assert office.hasher.checks == 3


async def test_password_checks_are_capped_and_a_full_queue_answers_busy_at_once(
    office: Office,
) -> None:
    desk = logins(office, concurrent=2, queue=3)
    outcomes = await asyncio.gather(
        *(desk.log_in(f"user-{i}", "wrong", HERE) for i in range(12)), return_exceptions=True
    )
    kinds = [type(outcome).__name__ for outcome in outcomes]
    assert kinds.count("LoginRefused") == 5, kinds  # two checking, three waiting
    assert kinds.count("LoginBusy") == 7
    assert all(isinstance(o, LoginBusy) and o.retry_after >= 1 for o in outcomes[5:])
    assert office.hasher.most_at_once == 2
    # The queue drained: the next login is checked again.
    assert await attempt(desk, "user-x", "wrong") == "refused"


# Names that cannot exist ---------------------------------------------------------------------


def test_a_user_cannot_be_created_with_a_control_character_in_name_or_password(
    office: Office,
) -> None:
    with pytest.raises(ValueError, match=r"username contains a control character \(U\+0000\)"):
        office.accounts.create("a\x00da", PASSWORD, Role.HQ, None)
    with pytest.raises(ValueError, match="password contains the control character U\\+001B"):
        office.accounts.create("ada", "pass\x1bword", Role.HQ, None)
    with pytest.raises(ValueError, match="username is 121 characters long; at most 120"):
        office.accounts.create("a" * 121, PASSWORD, Role.HQ, None)


def test_a_username_with_a_bidi_override_or_invisible_character_cannot_be_created(
    office: Office,
) -> None:
    """A username is the actor of the office's events: it must read as it is."""
    for spoofed in ("adm\u202enim", "ad\u200bmin"):
        with pytest.raises(ValueError, match="username contains"):
            office.accounts.create(spoofed, "secret", Role.HQ, None)


# Languages -----------------------------------------------------------------------------------


def test_the_language_a_person_chose_is_kept_on_their_login_and_found_by_their_trainer_id(
    office: Office, own_settings: Settings
) -> None:
    trainer_id = str(uuid.uuid4())
    office.accounts.create("carla", PASSWORD, Role.TRAINER, trainer_id)
    languages = ChosenLanguages(create_service_engine(own_settings))
    assert languages.of_trainer(trainer_id) is None  # nothing chosen: e-mails in English

    office.accounts.choose_language("carla", "fr")
    assert languages.of_trainer(trainer_id) == "fr"
    carla = office.accounts.authenticate("carla", PASSWORD)
    assert carla is not None and carla.language == "fr"  # the pages read in it
