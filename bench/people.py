"""The people of a benchmark, registered through the application, and their HTTP requests."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from bench.stack.service import ServiceStack
from bench.synth import enterprise, trainer, workshop
from domain.values import Role
from service.app.accounts import User, UserExists
from service.app.certification import Certification

OFFICE = User("bench-office", Role.HQ, None)
PASSWORD = "bench-password"  # never used to log in: the bench is handed its tokens
BASELINE = {"productivity": 100.0, "defects": 8.0, "absenteeism": 6.0}
PROGRESS = {"productivity": 130.0, "defects": 4.0, "absenteeism": 5.0}


@dataclass(frozen=True)
class Request:
    path: str
    body: dict[str, Any] | None
    token: str


@dataclass
class Candidate:
    trainer_id: str
    token: str
    expert_id: str
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
        today, firm = date.today().isoformat(), self.enterprise_id
        return [
            self._step("tot-result", {"attended": True, "completed": True}, self.expert_token),
            self._step("enterprises", {"enterprise_id": firm}, self.token),
            self._step(
                "baseline-assessments",
                {"enterprise_id": firm, "visited_on": today, "indicators": BASELINE},
                self.token,
            ),
            self._step(
                "classroom-workshop",
                {"held_on": today, "managers": 6, "workers": 14, "women": 9},
                self.token,
            ),
            *self.repeatable(2),
        ]

    def repeatable(self, count: int) -> list[Request]:
        """Coaching visits and progress reports, alternating: a cycle allows any number."""
        today, firm = date.today().isoformat(), self.enterprise_id
        visit = {"enterprise_id": firm, "visited_on": today}
        report = {"enterprise_id": firm, "indicators": PROGRESS}
        return [
            self._step("coaching-visits", visit, self.token)
            if i % 2 == 0
            else self._step("progress-reports", report, self.token)
            for i in range(count)
        ]


class Cohort:
    """Registers people straight into the event store and hands out their tokens."""

    def __init__(self, stack: ServiceStack) -> None:
        self.app: Certification = stack.app
        self.stack = stack
        self.office_token = self._account(OFFICE)
        self._clock = datetime.now(UTC) - timedelta(days=30)

    def _account(self, user: User) -> str:
        """A user record (a token is checked against it on every request) and their token."""
        with suppress(UserExists):
            self.stack.accounts.create(user.username, PASSWORD, user.role, user.trainer_id)
        return self.stack.accounts.issue_token(user)

    def _at(self) -> datetime:
        self._clock += timedelta(seconds=1)
        return self._clock

    def candidates(self, count: int, per_expert: int = 10) -> list[Candidate]:
        made: list[Candidate] = []
        while len(made) < count:
            expert_id = trainer(self.app, self._at(), expert=True)
            expert_token = self._account(User(f"u-{expert_id}", Role.EXPERT, expert_id))
            # Ending today: candidates are enrolled over HTTP now, before it ends.
            workshop_id = workshop(self.app, expert_id, datetime.now(UTC))
            for _ in range(min(per_expert, count - len(made))):
                made.append(self.candidate(expert_id, expert_token, workshop_id))
        return made

    def candidate(self, expert_id: str, expert_token: str, workshop_id: str) -> Candidate:
        trainer_id = trainer(self.app, self._at())
        token = self._account(User(f"u-{trainer_id}", Role.TRAINER, trainer_id))
        firm = enterprise(self.app, self._at())
        return Candidate(
            trainer_id, token, expert_id, expert_token, workshop_id, firm, self.office_token
        )


class StepRefused(Exception):
    """The service answered a step with something other than 200/201."""

    def __init__(self, request: Request, reply: httpx.Response) -> None:
        super().__init__(f"{request.path}: {reply.status_code} {reply.text[:300]}")
        self.status = reply.status_code


async def send(http: httpx.AsyncClient, request: Request) -> dict[str, Any]:
    """POST one request; a refusal (503 busy included) raises StepRefused."""
    reply = await http.post(
        request.path,
        json=request.body,
        headers={"Authorization": f"Bearer {request.token}"},
    )
    if reply.status_code not in (200, 201):
        raise StepRefused(request, reply)
    body: dict[str, Any] = reply.json()
    return body


async def enrol(http: httpx.AsyncClient, candidate: Candidate) -> None:
    body = await send(http, candidate.enrolment())
    candidate.journey_id = body["journey_id"]


async def walk(http: httpx.AsyncClient, requests: list[Request]) -> None:
    for request in requests:
        await send(http, request)


def http_client(stack: ServiceStack, connections: int = 64) -> httpx.AsyncClient:
    # uvicorn closes a connection idle for 5 s; dropping it first on our side means a request
    # never goes out on a connection the server is closing (httpx.ReadError).
    limits = httpx.Limits(
        max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=2.0
    )
    return httpx.AsyncClient(base_url=stack.api_url, timeout=60, limits=limits)
