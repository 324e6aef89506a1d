"""60 logins at once against an API process with production argon2 (64 MiB, t=3).

Before the cap, every login hashed at once: the process went from ~105 MiB to ~2.2 GiB. Now
at most `login_concurrent_hashes` checks run at once, a bounded queue waits, and the rest are
answered 503 with Retry-After straight away. Wall-clock figures (known vs unknown username)
are printed for the security document, not asserted: on a shared machine time is no
pass/fail material (tests/service/test_login_and_tokens.py counts password checks instead).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from domain.values import Role
from service.adapters.temporal_dev import free_port
from service.bootstrap.parts import build_accounts
from service.settings import Settings
from service.storage.database import create_service_engine
from tests.migrated import migrated

ROOT = Path(__file__).parents[2]
CONCURRENT_LOGINS = 60
ARGON2_MIB = 64
# What the capped checks hold at once (`login_concurrent_hashes`, 2 by default), and one
# more check's worth for the allocator's slack: the API's growth, not its size, which grows
# with every page and catalog it serves (uncapped, the growth was about 2 GiB).
GROWTH_CEILING_MIB = (2 + 1) * ARGON2_MIB
PASSWORD = "correct horse battery staple"
TIMED_PAIRS = 4


def memory_mib(pid: int, field: str) -> float:
    """VmRSS (now) or VmHWM (the peak so far) of a process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


@pytest.fixture
def api_process(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """The API alone (no Temporal needed to log in) as its own process, production argon2."""
    settings = migrated(Settings(data_dir=tmp_path / "data", api_port=free_port()))
    assert (settings.argon2_memory_kib, settings.argon2_time_cost) == (65536, 3)
    engine = create_service_engine(settings)
    build_accounts(settings, engine).create("ada", PASSWORD, Role.AUDITOR, None)
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCORE_")}
    env |= {
        "PYTHONPATH": str(ROOT),
        "SCORE_DATA_DIR": str(settings.data_dir),
        "SCORE_API_PORT": str(settings.api_port),
        # This test is about memory and timing; throttling is told elsewhere.
        "SCORE_LOGIN_CLIENT_LIMITS": "1000/minute",
        "SCORE_LOGIN_ACCOUNT_LIMITS": "1000/minute",
    }
    process = subprocess.Popen([sys.executable, "-m", "tests.service.login_api"], cwd=ROOT, env=env)
    try:
        yield f"http://127.0.0.1:{settings.api_port}", process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


async def until_answering(http: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            await http.get("/auth/me")
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


async def login_ms(http: httpx.AsyncClient, username: str) -> float:
    started = time.perf_counter()
    reply = await http.post("/auth/token", data={"username": username, "password": "wrong"})
    assert reply.status_code == 401, reply.text
    return (time.perf_counter() - started) * 1000


@pytest.mark.timeout(60)
async def test_sixty_logins_at_once_grow_the_api_by_no_more_than_its_capped_checks_hold(
    api_process: tuple[str, int], record_property: Callable[[str, object], None]
) -> None:
    url, pid = api_process
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        await until_answering(http)
        await login_ms(http, "ada")  # warm: the first login imports and allocates once
        before = memory_mib(pid, "VmRSS")

        replies = await asyncio.gather(
            *(
                http.post("/auth/token", data={"username": f"user-{i}", "password": "wrong"})
                for i in range(CONCURRENT_LOGINS)
            )
        )
        peak = memory_mib(pid, "VmHWM")
        statuses = Counter(reply.status_code for reply in replies)
        assert set(statuses) <= {401, 503}, statuses
        assert statuses[401] >= 2, "the capped checks did run"
        for busy in (reply for reply in replies if reply.status_code == 503):
            assert int(busy.headers["Retry-After"]) >= 1
            assert "try again" in busy.json()["detail"]
        assert peak - before < GROWTH_CEILING_MIB, f"from {before:.0f} to {peak:.0f} MiB"

        known, unknown = [], []
        for i in range(TIMED_PAIRS):  # alternating, so both see the same load
            known.append(await login_ms(http, "ada"))
            unknown.append(await login_ms(http, f"nobody-{i}"))
    figures = (
        f"\n{CONCURRENT_LOGINS} logins at once: {dict(statuses)}; RSS before {before:.0f} MiB, "
        f"peak {peak:.0f} MiB; wrong password, median of {TIMED_PAIRS}: known "
        f"username {statistics.median(known):.0f} ms, unknown {statistics.median(unknown):.0f} ms"
    )
    record_property("figures", figures)
    print(figures)  # noqa: T201 - shown with -s, for the security document
