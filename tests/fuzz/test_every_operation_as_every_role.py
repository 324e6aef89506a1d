"""Every operation of the OpenAPI, as every role, against the whole service on both stores.

Schemathesis generates requests from the service's own schema, valid ones and invalid ones,
aimed about half of the time at real records; each role sends the same requests. No answer
may be a 5xx, every answer must be documented, and no refused request may write an event.
tests/fuzz/budget.py sets how many requests.
"""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis import Case

from tests.fuzz import budget
from tests.fuzz.fuzzer import Fuzzer
from tests.fuzz.schema import fuzzing_schema

schema = fuzzing_schema()


@pytest.mark.timeout(budget.TIMEOUT_SECONDS)
@schema.parametrize()
def test_no_request_breaks_the_service_leaves_the_schema_or_writes_when_refused(
    case: Case[Any], fuzzer: Fuzzer
) -> None:
    fuzzer.send(case)
