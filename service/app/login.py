"""Logging in under attack: throttled failures, a cap on password checks, equal work for all.

Failed logins are counted per account (the username as sent, whether or not it exists, so a
429 says nothing about which names exist) and per client address, in moving windows of the
`limits` library. The account's windows are tiered ("5/minute;10/15 minutes;20/hour"), so an
account that keeps failing waits longer each time: a lockout with backoff. While an account or
a client must wait, even the right password is answered 429 with Retry-After, and no password
is checked. A successful login clears its account's count.

The counts live in each API process's memory (`MemoryStorage`): with one API process, as today,
that is exact; with N processes an attacker gets at most N times the budget, still bounded, and
a restart forgets the counts (at most one more budget per restart). Scaling out is one change
here: a shared storage of the same library (Redis, memcached, MongoDB) instead of MemoryStorage.

Each password check holds `argon2_memory_kib` (64 MiB by default) for ~100 ms, so the number of
checks at once is capped per process (`login_concurrent_hashes`); a bounded number of logins may
wait for a slot (`login_queue`), and beyond that the answer is 503 with Retry-After at once,
instead of memory growing with every concurrent request.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import anyio
import anyio.to_thread
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from service.app.accounts import Accounts, User
from service.settings import Settings

ACCOUNT = "login-account"
CLIENT = "login-client"
BUSY_RETRY_SECONDS = 1


class LoginRefused(Exception):
    """Unknown username, wrong password or deactivated user: one answer for all three."""


class LoginThrottled(Exception):
    def __init__(self, reason: str, retry_after: int) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class LoginBusy(Exception):
    """More logins at once than the process checks and queues; nothing was checked."""

    retry_after = BUSY_RETRY_SECONDS


class LoginThrottle:
    """How many failed logins an account and a client have had, and how long they must wait."""

    def __init__(
        self, per_account: Sequence[RateLimitItem], per_client: Sequence[RateLimitItem]
    ) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._per_account = tuple(per_account)
        self._per_client = tuple(per_client)

    def check(self, username: str, client: str) -> None:
        """Raise LoginThrottled if the client or the account must wait before trying again."""
        client_wait = self._wait(self._per_client, CLIENT, client)
        if client_wait:
            raise LoginThrottled(
                f"Too many failed logins from your address; wait {client_wait} s and try again.",
                client_wait,
            )
        account_wait = self._wait(self._per_account, ACCOUNT, username)
        if account_wait:
            raise LoginThrottled(
                f"Too many failed logins for {username!r}; wait {account_wait} s and try again "
                "(each further failure makes the wait longer). Forgot the password? Ask the "
                "programme office to set a new one.",
                account_wait,
            )

    def attempting(self, username: str) -> None:
        """Count an attempt against the account before its password is checked.

        So concurrent guesses at one account cannot all slip in before the first failure is
        counted; a success takes the count back (`succeeded`). The client is counted on
        failure only (`failed`): many people behind one office address may log in
        successfully at the same moment.
        """
        for item in self._per_account:
            self._limiter.hit(item, ACCOUNT, username)

    def failed(self, client: str) -> None:
        for item in self._per_client:
            self._limiter.hit(item, CLIENT, client)

    def succeeded(self, username: str) -> None:
        for item in self._per_account:
            self._limiter.clear(item, ACCOUNT, username)

    def _wait(self, items: Sequence[RateLimitItem], scope: str, key: str) -> int:
        """Whole seconds until every full window has room again (0: none is full)."""
        now = time.time()
        waits = [
            self._limiter.get_window_stats(item, scope, key).reset_time - now
            for item in items
            if not self._limiter.test(item, scope, key)
        ]
        return max(1, math.ceil(max(waits))) if waits else 0


class PasswordChecks:
    """At most `concurrent` password checks at once, `queue` more waiting; beyond: LoginBusy."""

    def __init__(self, concurrent: int, queue: int) -> None:
        self._slots = anyio.CapacityLimiter(concurrent)
        self._admitted_limit = concurrent + queue
        self._admitted = 0

    @contextmanager
    def admitted(self) -> Iterator[None]:
        """A place among the checking and the waiting, or LoginBusy at once.

        Taken synchronously on the event loop: no other request can interleave between the
        test and the increment, so the bound is exact within the process.
        """
        if self._admitted >= self._admitted_limit:
            raise LoginBusy
        self._admitted += 1
        try:
            yield
        finally:
            self._admitted -= 1

    async def authenticate(self, accounts: Accounts, username: str, password: str) -> User | None:
        return await anyio.to_thread.run_sync(
            accounts.authenticate, username, password, limiter=self._slots
        )


@dataclass
class Logins:
    """Log in through the throttle and the cap on password checks."""

    accounts: Accounts
    throttle: LoginThrottle
    checks: PasswordChecks

    def __post_init__(self) -> None:
        self.accounts.prepare_logins()

    @classmethod
    def from_settings(cls, settings: Settings, accounts: Accounts) -> Logins:
        return cls(
            accounts,
            LoginThrottle(
                parse_many(settings.login_account_limits), parse_many(settings.login_client_limits)
            ),
            PasswordChecks(settings.login_concurrent_hashes, settings.login_queue),
        )

    async def log_in(self, username: str, password: str, client: str) -> User:
        # Everything up to the first await runs without interleaving: check, admit, count.
        self.throttle.check(username, client)
        with self.checks.admitted():
            self.throttle.attempting(username)
            user = await self.checks.authenticate(self.accounts, username, password)
        if user is None:
            self.throttle.failed(client)
            raise LoginRefused
        self.throttle.succeeded(username)
        return user
