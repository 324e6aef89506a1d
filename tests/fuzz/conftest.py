"""One whole service per store for the fuzz suite, and one fuzzer (user, session) per role."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest
import requests

from tests.fuzz import budget
from tests.fuzz.cast import ROLES, fuzz_cast
from tests.fuzz.fuzzer import Fuzzer, ReadModelsWatch
from tests.fuzz.ledger import LEDGER
from tests.fuzz.schema import OPENAPI, REAL_RECORDS
from tests.fuzz.serving import FuzzedService, ServiceThread
from tests.postgres import scratch_database


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(store, marks=pytest.mark.postgres) if store == "postgres" else store
        for store in budget.STORES
    ],
)
def fuzzed_service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FuzzedService]:
    backend: str = request.param
    with ExitStack() as cleanup:
        url = (
            cleanup.enter_context(scratch_database("score_fuzz")) if backend == "postgres" else None
        )
        data_dir = tmp_path_factory.mktemp(f"fuzz-{backend}") / "data"
        stack, people = cleanup.enter_context(ServiceThread(data_dir, url, fuzz_cast))
        served = requests.get(f"{stack.base_url}/openapi.json", timeout=30).json()
        assert served == OPENAPI, "the service serves another OpenAPI than the one fuzzed"
        REAL_RECORDS.aim_at(people.real)
        yield FuzzedService(backend, stack, people, ReadModelsWatch(stack))


@pytest.fixture(scope="module", params=ROLES)
def fuzz_role(request: pytest.FixtureRequest) -> str:
    role: str = request.param
    return role


@pytest.fixture(scope="module")
def fuzzer(fuzzed_service: FuzzedService, fuzz_role: str) -> Iterator[Fuzzer]:
    user = fuzzed_service.people.users[fuzz_role]
    token = fuzzed_service.stack.tokens[user] if user is not None else None
    with requests.Session() as session:
        yield Fuzzer(
            fuzzed_service.backend,
            fuzz_role,
            token,
            fuzzed_service.stack,
            fuzzed_service.read_models,
            session,
        )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not LEDGER.requests:
        return
    terminalreporter.section(f"fuzz (seed {budget.SEED}, {budget.EXAMPLES} examples)")
    for line in LEDGER.summary():
        terminalreporter.write_line(line)
    if budget.REPORT is not None:
        LEDGER.write(budget.REPORT)
        terminalreporter.write_line(f"findings written to {budget.REPORT}")
