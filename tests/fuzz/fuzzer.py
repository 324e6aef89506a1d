"""Send one generated request as one role and hold the answer to the suite's invariants.

- no 5xx;
- the answer is documented: status code, content type and body as the OpenAPI says;
- a refused request (4xx or 5xx) wrote no event: the store's position is read before and
  after each call (the fuzzer's calls are sequential, and nothing else writes meanwhile);
- what an accepted request wrote reaches the read models: one event the projector cannot
  project (a NUL byte on PostgreSQL) would otherwise freeze every read without a 5xx.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from schemathesis import Case, CheckContext, CheckFunction, Response
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.harness import Stack
from tests.fuzz import budget
from tests.fuzz.ledger import LEDGER, Finding, excerpt

DOCUMENTED: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
REQUEST_TIMEOUT = 30.0
PROJECTION_TIMEOUT = 15.0  # the projector polls every 10 ms; a loaded CI machine is slower


def refusals_write_nothing(stack: Stack, before: int) -> CheckFunction:
    """A check that fails when a refused request moved the event store's position."""

    def refused_requests_write_no_events(
        ctx: CheckContext, response: Response, case: Case[Any]
    ) -> bool | None:
        if response.status_code < 400:
            return None
        after = stack.events()
        assert after == before, (
            f"Answered {response.status_code}, yet the event store moved from position "
            f"{before} to {after}: a refused request must write nothing. Written: "
            + ", ".join(_written_after(stack, before))
        )
        return None

    return refused_requests_write_no_events


@dataclass
class ReadModelsWatch:
    """Whether the projector keeps up with what the fuzzer's accepted requests write."""

    stack: Stack
    stopped: str | None = None  # once they stopped: the request after which they did

    def reach(self, position: int, timeout: float = PROJECTION_TIMEOUT) -> bool:
        deadline = time.monotonic() + timeout
        while self.stack.services.read_models.position() < position:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True


def accepted_writes_reach_the_read_models(watch: ReadModelsWatch, before: int) -> CheckFunction:
    """A check that fails when the projector does not get past what a request wrote."""

    def accepted_writes_are_projected(
        ctx: CheckContext, response: Response, case: Case[Any]
    ) -> bool | None:
        if response.status_code >= 400:
            return None
        after = watch.stack.events()
        if after == before:
            return None
        # Once they stopped, waiting again for every accepted write would only spend the run.
        assert not watch.stopped, f"The read models stopped after {watch.stopped}."
        if watch.reach(after):
            return None
        reached = watch.stack.services.read_models.position()
        watch.stopped = f"{case.method} {response.request.path_url} ({response.status_code})"
        raise AssertionError(
            f"Accepted with {response.status_code} and written up to position {after}, but the "
            f"read models stopped at {reached} and did not move for {PROJECTION_TIMEOUT:g} s: "
            "the projector could not project what this request wrote. Written: "
            + ", ".join(_written_after(watch.stack, before))
        )

    return accepted_writes_are_projected


def _written_after(stack: Stack, position: int) -> list[str]:
    recorder = stack.services.certification.recorder
    written = recorder.select_notifications(position, limit=10, inclusive_of_start=False)
    return [f"{n.topic.rsplit(':', 1)[-1]} of {n.originator_id}" for n in written]


@dataclass
class Fuzzer:
    backend: str
    role: str
    token: str | None
    stack: Stack
    read_models: ReadModelsWatch
    session: requests.Session

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def send(self, case: Case[Any]) -> None:
        """Call the service with the case as this role; fail (or record, surveying) what broke."""
        __tracebackhide__ = True
        if self.read_models.stopped and not budget.SURVEY:
            pytest.fail(
                f"The read models stopped after {self.read_models.stopped}; every read on this "
                "store now waits for them, so fuzzing it further proves nothing.",
                pytrace=False,
            )
        before = self.stack.events()
        try:
            response = case.call(
                self.stack.base_url,
                session=self.session,
                headers=self.headers,
                timeout=REQUEST_TIMEOUT,
            )
        except requests.RequestException as lost:
            LEDGER.sent(self.backend, self.role, _operation(case), None)
            self._found(case, None, ("No answer: " + type(lost).__name__,), "")
            raise
        LEDGER.sent(self.backend, self.role, _operation(case), response.status_code)
        checks = [
            *DOCUMENTED,
            refusals_write_nothing(self.stack, before),
            accepted_writes_reach_the_read_models(self.read_models, before),
        ]
        try:
            case.validate_response(response, checks=checks, headers=self.headers)
        except FailureGroup as failed:
            problems = tuple(sorted({failure.title for failure in failed.exceptions}))
            curl = case.as_curl_command(headers=self.headers, base_url=self.stack.base_url)
            self._found(case, response, problems, curl)
            if not budget.SURVEY:
                raise

    def _found(
        self,
        case: Case[Any],
        response: Response | None,
        problems: tuple[str, ...],
        curl: str,
    ) -> None:
        request = response.request if response is not None else None
        finding = Finding(
            backend=self.backend,
            role=self.role,
            method=case.method,
            path=request.path_url if request is not None else case.formatted_path,
            status=response.status_code if response is not None else None,
            problems=problems,
            request_body=excerpt(_sent_body(request)),
            response_body=excerpt(response.content if response is not None else None),
            reproduce=curl,
        )
        LEDGER.found(finding, _operation(case))


def _sent_body(request: requests.PreparedRequest | None) -> str | bytes | None:
    body = request.body if request is not None else None
    return body if isinstance(body, str | bytes) else None


def _operation(case: Case[Any]) -> str:
    return f"{case.method} {case.path}"
