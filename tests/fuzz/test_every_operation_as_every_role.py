"""Every operation of the OpenAPI, as every role, against the whole service on both stores.

Schemathesis generates requests from the service's own schema, valid ones and invalid ones,
aimed about half of the time at real records; each role sends the same requests. No answer
may be a 5xx, every answer must be documented, and no refused request may write an event.
tests/fuzz/budget.py sets how many requests.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from schemathesis import Case
from schemathesis.core.failures import FailureGroup

from tests.fuzz import budget
from tests.fuzz.fuzzer import Fuzzer, refusals_write_nothing
from tests.fuzz.schema import fuzzing_schema
from tests.fuzz.serving import FuzzedService

schema = fuzzing_schema()


@pytest.mark.timeout(budget.TIMEOUT_SECONDS)
@schema.parametrize()
def test_no_request_breaks_the_service_leaves_the_schema_or_writes_when_refused(
    case: Case[Any], fuzzer: Fuzzer
) -> None:
    fuzzer.send(case)


def test_the_suite_catches_a_refusal_that_wrote_an_event(fuzzed_service: FuzzedService) -> None:
    """The event check is not vacuous: a 404 read after an event was written, measured from
    before that write, is reported with the event it blames."""
    stack, office = fuzzed_service.stack, fuzzed_service.people.users["hq"]
    assert office is not None
    before = stack.events()
    as_office = {"Authorization": f"Bearer {stack.tokens[office]}"}
    registered = requests.post(
        f"{stack.base_url}/enterprises",
        json={"name": "Check Works", "country": "IN", "employees": 80, "women_employees": 9},
        headers=as_office,
        timeout=30,
    )
    assert registered.status_code == 201, registered.text
    unknown = schema["/enterprises/{enterprise_id}"]["GET"].Case(
        path_parameters={"enterprise_id": "no-such-enterprise"}
    )
    refused = unknown.call(stack.base_url, headers=as_office)
    assert refused.status_code == 404
    with pytest.raises(FailureGroup, match=r"Enterprise\.Registered"):
        unknown.validate_response(refused, checks=[refusals_write_nothing(stack, before)])
