"""Send one generated request as one role and hold the answer to the suite's invariants.

- no 5xx;
- the answer is documented: status code, content type and body as the OpenAPI says;
- a refused request (4xx or 5xx) wrote no event: the store's position is read before and
  after each call (the fuzzer's calls are sequential, and nothing else writes meanwhile).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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


def refusals_write_nothing(events: Callable[[], int], before: int) -> CheckFunction:
    """A check that fails when a refused request moved the event store's position."""

    def refused_requests_write_no_events(
        ctx: CheckContext, response: Response, case: Case[Any]
    ) -> bool | None:
        if response.status_code < 400:
            return None
        after = events()
        assert after == before, (
            f"Answered {response.status_code}, yet the event store moved from position "
            f"{before} to {after}: a refused request must write nothing."
        )
        return None

    return refused_requests_write_no_events


@dataclass
class Fuzzer:
    backend: str
    role: str
    token: str | None
    base_url: str
    events: Callable[[], int]
    session: requests.Session

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def send(self, case: Case[Any]) -> None:
        """Call the service with the case as this role; fail (or record, surveying) what broke."""
        __tracebackhide__ = True
        before = self.events()
        try:
            response = case.call(
                self.base_url, session=self.session, headers=self.headers, timeout=REQUEST_TIMEOUT
            )
        except requests.RequestException as lost:
            LEDGER.sent(self.backend, None)
            self._found(case, None, ("No answer: " + type(lost).__name__,), "")
            raise
        LEDGER.sent(self.backend, response.status_code)
        checks = [*DOCUMENTED, refusals_write_nothing(self.events, before)]
        try:
            case.validate_response(response, checks=checks, headers=self.headers)
        except FailureGroup as failed:
            problems = tuple(sorted({failure.title for failure in failed.exceptions}))
            curl = case.as_curl_command(headers=self.headers, base_url=self.base_url)
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
        LEDGER.found(finding, f"{case.method} {case.path}")


def _sent_body(request: requests.PreparedRequest | None) -> str | bytes | None:
    body = request.body if request is not None else None
    return body if isinstance(body, str | bytes) else None
