"""Load as a careful client sends it, and what the event store must show for it afterwards.

* `LoadClient`: POSTs with an Idempotency-Key per request, kept across its retries, sent in
  round robin to one or more API replicas. It sends again on a connection error, a 5xx, a
  429 or 503 (after the Retry-After it names) and a 409 that says "try again"; anything
  else is the request's answer. A `Ledger` keeps what was sent and answered.
* `Programme`: the people of a run (the office, an expert, candidates) and their journeys,
  from enrolment to the certificate, every write over HTTP.
* `StoreCheck`: the events in the store, grouped by command id, against the ledger: every
  accepted request exactly once, nothing doubled.

Used by the fault suite (tests/faults) and meant for the scale-out rehearsal.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    retry_if_result,
    stop_after_delay,
    wait_exponential_jitter,
)

from domain.values import Role
from projections.source import notification_reader
from service.app.certification import Certification
from tests.cluster import Cluster
from tests.stories import http_path

# "Wait and resend" refusals while they are still 409 (they become 503 with Retry-After).
RESEND_CONFLICTS = frozenset({"TryAgain", "ConcurrentChange"})
GIVE_UP_AFTER = 120.0  # seconds of resending before a request counts as unanswered
LONGEST_WAIT = 5.0  # a Retry-After longer than this is shortened: the run has a budget
REQUEST_TIMEOUT = 45.0  # longer than the API's own wait for a workflow (30 s)
PASSWORD = "correct horse battery staple"
BACKOFF = wait_exponential_jitter(multiplier=0.1, max=2.0, jitter=0.2)


@dataclass(frozen=True)
class Answer:
    """The final answer to one request (after its retries)."""

    username: str
    key: str
    method: str
    path: str
    status: int
    body: Any
    sent_at: float = 0.0  # time.monotonic() when first sent, and when finally answered
    answered_at: float = 0.0

    @property
    def command_id(self) -> str:
        """The command id the service derives from the Idempotency-Key (service/app/idempotency)."""
        return f"{self.username}:{self.key}"

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300


class Unanswered(Exception):
    """A request was resent for GIVE_UP_AFTER seconds without an answer that is not 'retry'."""


@dataclass
class Ledger:
    requests: int = 0  # HTTP requests that went out, retries included
    retries: int = 0
    statuses: Counter[int] = field(default_factory=Counter)  # of every attempt
    transport_errors: Counter[str] = field(default_factory=Counter)
    answers: list[Answer] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    longest_wait: float = 0.0  # seconds from sending a request to its answer, retries included

    @property
    def accepted(self) -> dict[str, Answer]:
        return {a.command_id: a for a in self.answers if a.method == "POST" and a.accepted}

    @property
    def refused(self) -> list[Answer]:
        return [a for a in self.answers if not a.accepted]

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def figures(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "retries": self.retries,
            "accepted_writes": len(self.accepted),
            "refused": len(self.refused),
            "unanswered": len(self.unanswered),
            "5xx": self.server_errors,
            "statuses": dict(sorted(self.statuses.items())),
            "connection_errors": dict(self.transport_errors),
            "longest_wait_seconds": round(self.longest_wait, 1),
        }


@dataclass(frozen=True)
class Login:
    username: str
    token: str
    trainer_id: str | None = None


def _worth_resending(reply: httpx.Response) -> bool:
    if reply.status_code >= 500 or reply.status_code == 429:
        return True
    return reply.status_code == 409 and _error_name(reply) in RESEND_CONFLICTS


def _error_name(reply: httpx.Response) -> str:
    try:
        body = reply.json()
    except ValueError:
        return ""
    return str(body.get("error", "")) if isinstance(body, dict) else ""


def _wait(state: RetryCallState) -> float:
    """The server's Retry-After when it gave one, else a short jittered backoff."""
    outcome = state.outcome
    if outcome is not None and not outcome.failed:
        after = outcome.result().headers.get("Retry-After", "")
        if after.isdigit():
            return min(float(after), LONGEST_WAIT)
    return float(BACKOFF(state))


class LoadClient:
    """`async with LoadClient(urls, ledger) as http:` round robin over the API replicas."""

    def __init__(self, urls: list[str], ledger: Ledger, give_up_after: float = GIVE_UP_AFTER):
        self.urls = list(urls)
        self.ledger = ledger
        self.give_up_after = give_up_after
        self._clients: list[httpx.AsyncClient] = []
        self.in_flight = 0  # requests sent and not yet answered, now
        self._turn = itertools.cycle(range(len(self.urls)))

    async def __aenter__(self) -> LoadClient:
        self._clients = [
            httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT) for url in self.urls
        ]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for client in self._clients:
            await client.aclose()

    async def log_in(self, username: str, password: str = PASSWORD) -> str:
        form = {"username": username, "password": password}
        reply = await self._resending("POST", "/auth/token", data=form)
        assert reply.status_code == 200, f"log in {username}: {reply.status_code} {reply.text}"
        token: str = reply.json()["access_token"]
        return token

    async def post(self, who: Login, path: str, body: Any = None) -> Answer:
        """POST with a fresh Idempotency-Key, resent with the same key until answered."""
        key = uuid.uuid4().hex
        headers = {"Authorization": f"Bearer {who.token}", "Idempotency-Key": key}
        sent_at = time.monotonic()
        reply = await self._resending("POST", path, json=body, headers=headers)
        answered_at = time.monotonic()
        answer = Answer(
            who.username, key, "POST", path, reply.status_code, _json(reply), sent_at, answered_at
        )
        self.ledger.answers.append(answer)
        return answer

    async def get(self, who: Login | None, path: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {who.token}"} if who else {}
        return await self._resending("GET", path, headers=headers)

    async def _resending(self, method: str, path: str, **request: Any) -> httpx.Response:
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(httpx.TransportError) | retry_if_result(_worth_resending),
            wait=_wait,
            stop=stop_after_delay(self.give_up_after),
            before_sleep=self._count_retry,
            retry_error_callback=lambda state: self._gave_up(method, path, state),
        )
        started = time.monotonic()
        # Each resending goes to the next API process after the one before it: with turns
        # shared by every request, a request's resendings could keep falling on one that
        # was killed, in step with the others'.
        turns = itertools.count(next(self._turn))
        reply: httpx.Response = await retrying(
            self._send_once, method, path, lambda: next(turns) % len(self._clients), **request
        )
        waited = time.monotonic() - started
        self.ledger.longest_wait = max(self.ledger.longest_wait, waited)
        return reply

    async def _send_once(
        self, method: str, path: str, turn: Callable[[], int], **request: Any
    ) -> httpx.Response:
        client = self._clients[turn()]
        self.ledger.requests += 1
        self.in_flight += 1
        try:
            reply = await client.request(method, path, **request)
        except httpx.TransportError as error:
            self.ledger.transport_errors[type(error).__name__] += 1
            raise
        finally:
            self.in_flight -= 1
        self.ledger.statuses[reply.status_code] += 1
        return reply

    def _count_retry(self, _: RetryCallState) -> None:
        self.ledger.retries += 1

    def _gave_up(self, method: str, path: str, state: RetryCallState) -> httpx.Response:
        last = state.outcome
        said = "no answer" if last is None or last.failed else str(last.result().status_code)
        self.ledger.unanswered.append(f"{method} {path}: {said} after {state.attempt_number}")
        raise Unanswered(f"{method} {path}: still {said} after {state.attempt_number} tries")


def _json(reply: httpx.Response) -> Any:
    try:
        return reply.json()
    except ValueError:
        return reply.text


class StepRefused(Exception):
    """The service finally answered a step of a valid journey with a refusal."""


class Programme:
    """The people of a run and their journeys: the office, an expert with a ToT workshop, and
    candidates, each taken from enrolment to the certificate. Accounts are written straight
    into the database (as `score users create` does); every other write goes over HTTP."""

    def __init__(self, cluster: Cluster, http: LoadClient) -> None:
        self.cluster, self.http = cluster, http
        self.tag = uuid.uuid4().hex[:6]
        self.office = self.expert = Login("", "")
        self.workshop_id = ""
        self.candidates: list[Login] = []

    @classmethod
    async def set_up(cls, cluster: Cluster, http: LoadClient, candidates: int) -> Programme:
        programme = cls(cluster, http)
        await programme._set_up(candidates)
        return programme

    async def _set_up(self, candidates: int) -> None:
        self.office = await self._person(f"office-{self.tag}", Role.HQ)
        expert_id = await self._register("Esther Expert", expert=True)
        self.expert = await self._person(f"expert-{self.tag}", Role.EXPERT, expert_id)
        workshop = {
            "module": "WC",
            "code": f"LOAD-{uuid.uuid4().hex[:8]}",
            # It ends today: candidates are enrolled before it ends, then certified.
            "starts_on": (datetime.now(UTC).date() - timedelta(days=4)).isoformat(),
            "ends_on": datetime.now(UTC).date().isoformat(),
            "venue": "Faridabad",
            "country": "IN",
            "expert_id": expert_id,
        }
        self.workshop_id = (await self._write(self.office, "/workshops", workshop))["workshop_id"]
        for i in range(candidates):
            trainer_id = await self._register(f"Carla Candidate {self.tag} {i}")
            self.candidates.append(
                await self._person(f"candidate-{self.tag}-{i}", Role.TRAINER, trainer_id)
            )

    async def _person(self, username: str, role: Role, trainer_id: str | None = None) -> Login:
        self.cluster.add_user(username, PASSWORD, role, trainer_id)
        return Login(username, await self.http.log_in(username), trainer_id)

    async def _register(self, name: str, *, expert: bool = False) -> str:
        email = f"{uuid.uuid4().hex[:10]}@example.org"
        body = {"name": name, "email": email, "country": "IN", "is_expert": expert}
        trainer_id: str = (await self._write(self.office, "/trainers", body))["trainer_id"]
        return trainer_id

    async def certify(self, candidate: Login) -> dict[str, Any]:
        """Enrol the candidate and take every step up to the certificate; the last answer."""
        assert candidate.trainer_id is not None
        enrolment = {"trainer_id": candidate.trainer_id, "workshop_id": self.workshop_id}
        journey = (await self._write(self.office, "/journeys", enrolment))["journey_id"]
        firm = (await self._write(candidate, "/enterprises", _enterprise()))["enterprise_id"]
        answer: dict[str, Any] = {}
        for who, step, body in self._steps(candidate, firm):
            answer = await self._write(who, f"/journeys/{journey}/{step}", body)
        return answer

    def _steps(self, candidate: Login, firm: str) -> list[tuple[Login, str, Any]]:
        who = {"expert": self.expert, "candidate": candidate, "office": self.office}
        return [(who[by], step, body) for by, step, body in http_path(firm, date.today())]

    async def _write(self, who: Login, path: str, body: Any) -> dict[str, Any]:
        answer = await self.http.post(who, path, body)
        if not answer.accepted:
            raise StepRefused(f"{who.username} POST {path}: {answer.status} {answer.body}")
        accepted: dict[str, Any] = answer.body
        return accepted


def _enterprise() -> dict[str, Any]:
    return {
        "name": f"Auto Parts {uuid.uuid4().hex[:8]}",
        "country": "IN",
        "sector": "auto components",
        "employees": 120,
        "women_employees": 30,
    }


@dataclass(frozen=True)
class StoreCheck:
    """The event store against the ledger, by command id (= "<username>:<Idempotency-Key>")."""

    events: int
    accepted: int  # requests answered 2xx
    missing: tuple[str, ...]  # accepted, yet no event carries their command id
    doubled: dict[str, list[str]]  # command id: the (aggregate, event type) recorded twice+
    unrequested: int  # events of commands no accepted request sent (e.g. workflow timers)

    @classmethod
    def of(cls, app: Certification, ledger: Ledger) -> StoreCheck:
        recorded = _events_by_command(app)
        accepted = ledger.accepted
        missing = tuple(sorted(c for c in accepted if c not in recorded))
        doubled = {
            command: [f"{aggregate} {topic} ×{n}" for (aggregate, topic), n in kinds.items()]
            for command, kinds in recorded.items()
            if any(n > 1 for n in kinds.values())
        }
        unrequested = sum(
            sum(kinds.values()) for command, kinds in recorded.items() if command not in accepted
        )
        events = sum(sum(kinds.values()) for kinds in recorded.values())
        return cls(events, len(accepted), missing, doubled, unrequested)

    def figures(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "accepted_writes": self.accepted,
            "lost": len(self.missing),
            "duplicated": len(self.doubled),
            "events_without_an_accepted_request": self.unrequested,
        }


def _events_by_command(app: Certification) -> dict[str, Counter[tuple[str, str]]]:
    """Every stored event, counted per command id and (aggregate, event type)."""
    recorded: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    read, after = notification_reader(app), 0
    while page := read(after, 1000, None):
        for notification in page:
            event = app.mapper.to_domain_event(notification)
            command = str(getattr(event, "command_id", "(none)"))
            recorded[command][(str(notification.originator_id), notification.topic)] += 1
        after = page[-1].id
    return recorded
