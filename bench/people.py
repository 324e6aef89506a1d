"""The people of a benchmark, registered through the application, their HTTP requests, and
candidates taken into their ToE cycle."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
from tenacity import AsyncRetrying, retry_if_result, stop_after_attempt, wait_exponential_jitter

from bench.context import Context, Stack
from domain.values import Module, Role
from service.app.accounts import User, UserExists
from tests.stories import COACHING, PROGRESS_REPORT, Story, http_path

OFFICE = User("bench-office", Role.HQ, None)
PASSWORD = "bench-password"  # never used to log in: the bench is handed its tokens
RESENDS = 8  # attempts at a preparation request the service answers 503


@dataclass(frozen=True)
class Request:
    path: str
    body: dict[str, Any] | None
    token: str


@dataclass
class Candidate:
    trainer_id: str
    token: str
    expert_token: str
    workshop_id: str
    enterprise_id: str
    office_token: str
    journey_id: str | None = None
    steps_taken: int = field(default=0)

    def enrolment(self) -> Request:
        body = {"trainer_id": self.trainer_id, "workshop_id": self.workshop_id}
        return Request("/journeys", body, self.office_token)

    def _step(self, suffix: str, body: dict[str, Any] | None, token: str) -> Request:
        assert self.journey_id, "enrol first"
        return Request(f"/journeys/{self.journey_id}/{suffix}", body, token)

    def into_cycle(self) -> list[Request]:
        """From enrolment to the first progress report: after it, visits and reports repeat."""
        path = http_path(self.enterprise_id, date.today())[: PROGRESS_REPORT + 1]
        self.steps_taken = 2  # the first visit and report are part of the way in
        return [self._step(step, body, self._token(by)) for by, step, body in path]

    def next_step(self) -> Request:
        """A coaching visit or a progress report, alternating: a cycle allows any number."""
        self.steps_taken += 1
        by, step, body = http_path(self.enterprise_id, date.today())[
            COACHING if self.steps_taken % 2 else PROGRESS_REPORT
        ]
        return self._step(step, body, self._token(by))

    def _token(self, by: str) -> str:
        return self.expert_token if by == "expert" else self.token


class Cohort:
    """Registers people straight into the event store and hands out their tokens."""

    def __init__(self, stack: Stack) -> None:
        self.story = Story(stack.app, datetime.now(UTC) - timedelta(days=30), timedelta(seconds=1))
        self.accounts = stack.cluster.accounts
        self.office_token = self._account(OFFICE)

    def _account(self, user: User) -> str:
        """A user record (a token is checked against it on every request) and their token."""
        with suppress(UserExists):
            self.accounts.create(user.username, PASSWORD, user.role, user.trainer_id)
        return self.accounts.issue_token(user)

    def candidates(self, count: int, per_expert: int = 10) -> list[Candidate]:
        made: list[Candidate] = []
        while len(made) < count:
            expert = self.story.register_expert()
            expert_token = self._account(User(f"u-{expert.user_id}", Role.EXPERT, expert.user_id))
            workshop_id = self.story.schedule_workshop(Module.WC, expert, ends_on=date.today())
            for _ in range(min(per_expert, count - len(made))):
                trainer_id = self.story.register_candidate().user_id
                token = self._account(User(f"u-{trainer_id}", Role.TRAINER, trainer_id))
                firm = self.story.register_enterprise()
                made.append(
                    Candidate(trainer_id, token, expert_token, workshop_id, firm, self.office_token)
                )
        return made


class StepRefused(Exception):
    """The service answered a step with something other than 200/201."""

    def __init__(self, request: Request, reply: httpx.Response) -> None:
        super().__init__(f"{request.path}: {reply.status_code} {reply.text[:300]}")
        self.status = reply.status_code


async def send(http: httpx.AsyncClient, request: Request) -> dict[str, Any]:
    """POST one request; a refusal (503 busy included) raises StepRefused."""
    headers = {"Authorization": f"Bearer {request.token}"}
    reply = await http.post(request.path, json=request.body, headers=headers)
    if reply.status_code not in (200, 201):
        raise StepRefused(request, reply)
    body: dict[str, Any] = reply.json()
    return body


async def resending(http: httpx.AsyncClient, request: Request) -> dict[str, Any]:
    """POST one request, resent with the same Idempotency-Key while the service answers 503
    (busy, or a write that collided with a parallel one: enrolments into one workshop do),
    after a short jittered backoff, a few times at most; any other refusal raises."""
    headers = {"Authorization": f"Bearer {request.token}", "Idempotency-Key": uuid4().hex}
    retrying = AsyncRetrying(
        retry=retry_if_result(lambda reply: reply.status_code == 503),
        wait=wait_exponential_jitter(initial=0.05, max=1.0, jitter=0.1),
        stop=stop_after_attempt(RESENDS),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
    )
    reply: httpx.Response = await retrying(
        http.post, request.path, json=request.body, headers=headers
    )
    if reply.status_code not in (200, 201):
        raise StepRefused(request, reply)
    body: dict[str, Any] = reply.json()
    return body


async def enrol(http: httpx.AsyncClient, candidate: Candidate) -> None:
    body = await send(http, candidate.enrolment())
    candidate.journey_id = body["journey_id"]


async def prepared(stack: Stack, http: httpx.AsyncClient, count: int) -> list[Candidate]:
    """Candidates enrolled and taken into their ToE cycle through HTTP, in parallel. The
    preparation is not measured: a 503 (ten enrolments into one workshop collide) is resent."""
    candidates = Cohort(stack).candidates(count)

    async def ready(candidate: Candidate) -> None:
        body = await resending(http, candidate.enrolment())
        candidate.journey_id = body["journey_id"]
        for request in candidate.into_cycle():
            await resending(http, request)

    await asyncio.gather(*(ready(c) for c in candidates))
    return candidates


async def in_cycle(ctx: Context, http: httpx.AsyncClient, count: int) -> list[Candidate]:
    """`count` candidates in their ToE cycle, reusing those that earlier families prepared."""
    if (missing := count - len(ctx.pool)) > 0:
        ctx.pool += await prepared(await ctx.stack(), http, missing)
    return ctx.pool[:count]


def http_client(stack: Stack, connections: int = 64) -> httpx.AsyncClient:
    # uvicorn closes a connection idle for 5 s; dropping it first on our side means a request
    # never goes out on a connection the server is closing (httpx.ReadError).
    limits = httpx.Limits(
        max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=2.0
    )
    return httpx.AsyncClient(base_url=stack.api_url, timeout=60, limits=limits)
