"""The programme office imports over HTTP: a dry run, the import, the standings handed over,
the same file again, and the export; anyone else is refused at the door."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio

from domain.values import Role
from service.bootstrap.api import build_services, close_services
from service.http.main import create_app
from service.settings import Settings
from tests.migrated import migrated

TRAINERS = "name,email,country,registered_on,expert\nAsha Rao,asha@example.org,IN,2019-03-01,no\n"
CERTIFICATIONS = (
    "email,module,certified_on,certificate_number\nasha@example.org,WC,2019-09-30,IND-17\n"
)


class StandingsHandedOver:
    """The Steps port as far as an import uses it: which standings it hands over."""

    def __init__(self) -> None:
        self.trainers: list[str] = []

    async def hand_over_standings(self, trainer_ids: Sequence[str]) -> None:
        self.trainers += trainer_ids

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"an import took a step ({name})")


@pytest_asyncio.fixture
async def api(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, StandingsHandedOver]]:
    settings = migrated(
        Settings(data_dir=tmp_path / "data", argon2_memory_kib=1024, argon2_time_cost=1)
    )
    steps = StandingsHandedOver()
    services = build_services(settings, lambda _: steps)
    for username, role in [("office", Role.HQ), ("auditor", Role.AUDITOR)]:
        services.accounts.create(username, "pw", role, None)
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        yield client, steps
    close_services(services)


async def login(http: httpx.AsyncClient, username: str) -> dict[str, str]:
    reply = await http.post("/auth/token", data={"username": username, "password": "pw"})
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


async def test_the_office_imports_past_records_and_their_standings_start(
    api: tuple[httpx.AsyncClient, StandingsHandedOver],
) -> None:
    http, steps = api
    office = await login(http, "office")

    checked = await http.post(
        "/imports/trainers?dry_run=true", json={"csv": TRAINERS}, headers=office
    )
    assert checked.status_code == 200
    assert checked.json() | {"problems": []} == {
        "kind": "trainers",
        "dry_run": True,
        "rows": 1,
        "written": 1,
        "already": 0,
        "problems": [],
        "standings": 0,
    }
    assert (await http.post("/imports/trainers", json={"csv": TRAINERS}, headers=office)).json()[
        "written"
    ] == 1
    certified = await http.post(
        "/imports/certifications", json={"csv": CERTIFICATIONS}, headers=office
    )
    assert certified.json()["written"] == 1 and certified.json()["standings"] == 1
    assert len(steps.trainers) == 1

    again = await http.post("/imports/certifications", json={"csv": CERTIFICATIONS}, headers=office)
    assert (again.json()["written"], again.json()["already"]) == (0, 1)

    exported = await http.get("/exports/certifications", headers=office)
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.text == CERTIFICATIONS


async def test_a_bad_row_is_answered_with_its_row_and_column_and_nothing_is_written(
    api: tuple[httpx.AsyncClient, StandingsHandedOver],
) -> None:
    http, _ = api
    office = await login(http, "office")
    bad = TRAINERS.replace("2019-03-01", "1 March 2019")
    reply = await http.post("/imports/trainers", json={"csv": bad}, headers=office)
    assert reply.json()["written"] == 0
    assert reply.json()["problems"] == [
        {
            "row": 2,
            "column": "registered_on",
            "reason": "'1 March 2019' is not a date; write it as YYYY-MM-DD",
        }
    ]
    exported = await http.get("/exports/trainers", headers=office)
    assert exported.text == "name,email,country,registered_on,expert\n"


async def test_only_the_programme_office_imports_and_exports(
    api: tuple[httpx.AsyncClient, StandingsHandedOver],
) -> None:
    http, _ = api
    auditor = await login(http, "auditor")
    refused = await http.post("/imports/trainers", json={"csv": TRAINERS}, headers=auditor)
    assert refused.status_code == 403
    assert (await http.get("/exports/trainers", headers=auditor)).status_code == 403
    assert (await http.get("/exports/trainers")).status_code == 401
