"""The programme office records a policy version over HTTP; auditors read the history and
the version in force at any moment; nobody else changes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.service.test_import_api import StandingsHandedOver, api, login

__all__ = ["api"]  # the fixture, shared with the import's API tests


async def test_a_policy_version_shows_in_the_history_and_applies_only_from_its_date(
    api: tuple[httpx.AsyncClient, StandingsHandedOver],
) -> None:
    http, _ = api
    office, auditor = await login(http, "office"), await login(http, "auditor")
    starts = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    change = {
        "reminder_months": [6, 10],
        "stall_after_days": 45,
        "applies_from": starts.isoformat(),
        "reason": "more notice for trainers",
    }
    made = await http.post("/policies", json=change, headers=office | {"Idempotency-Key": "p1"})
    assert made.status_code == 201, made.text
    assert made.json()["number"] == 1 and made.json()["recorded_by"]

    history = (await http.get("/policies", headers=auditor)).json()
    assert [(v["number"], v["reason"]) for v in history] == [(1, "more notice for trainers")]
    today = (await http.get("/policies/in-force", headers=auditor)).json()
    assert today["version"] == 0 and today["reminder_months"] == [9, 11]
    later = (starts + timedelta(days=1)).date().isoformat()
    then = (await http.get(f"/policies/in-force?at={later}", headers=auditor)).json()
    assert then == {
        "version": 1,
        "reminder_months": [6, 10],
        "stall_after_days": 45,
        "inactive_after_months": 12,  # not sent: the default period
        "sme_min_employees": 50,  # nor these: the defaults
        "sme_max_employees": 250,
        "max_classroom_participants": 1000,
    }


async def test_a_version_for_the_past_or_from_anyone_else_is_refused(
    api: tuple[httpx.AsyncClient, StandingsHandedOver],
) -> None:
    http, _ = api
    office, auditor = await login(http, "office"), await login(http, "auditor")
    change = {
        "reminder_months": [9],
        "stall_after_days": 60,
        "applies_from": "2020-01-01T00:00:00Z",
        "reason": "back-dated",
    }
    past = await http.post("/policies", json=change, headers=office | {"Idempotency-Key": "p2"})
    assert past.status_code == 409 and "has passed" in past.json()["detail"]
    refused = await http.post("/policies", json=change, headers=auditor | {"Idempotency-Key": "p3"})
    assert refused.status_code == 403
    assert (await http.get("/policies", headers=office)).json() == []


async def test_a_version_that_leaves_out_the_period_keeps_the_one_in_force(
    api: tuple[httpx.AsyncClient, StandingsHandedOver],
) -> None:
    http, _ = api
    office, auditor = await login(http, "office"), await login(http, "auditor")
    starts = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    longer = {
        "reminder_months": [9, 15],
        "stall_after_days": 60,
        "inactive_after_months": 18,
        "applies_from": starts.isoformat(),
        "reason": "a longer period",
    }
    # only the stall changes; the period is not sent
    stall = longer | {"stall_after_days": 30, "reason": "a shorter stall"}
    del stall["inactive_after_months"]
    stall["applies_from"] = (starts + timedelta(days=5)).isoformat()
    for key, change in (("v1", longer), ("v2", stall)):
        made = await http.post("/policies", json=change, headers=office | {"Idempotency-Key": key})
        assert made.status_code == 201, made.text
    again = await http.post("/policies", json=stall, headers=office | {"Idempotency-Key": "v2"})

    history = (await http.get("/policies", headers=auditor)).json()
    assert [v["terms"]["inactive_after_months"] for v in history] == [18, 18]
    assert again.json()["number"] == 2  # the retry: the same version, not a third
    later = (starts + timedelta(days=6)).date().isoformat()
    then = (await http.get(f"/policies/in-force?at={later}", headers=auditor)).json()
    assert (then["version"], then["stall_after_days"], then["inactive_after_months"]) == (2, 30, 18)


async def test_the_sme_range_and_the_participant_limit_go_in_and_come_back_and_bad_ones_are_refused(
    api: tuple[httpx.AsyncClient, StandingsHandedOver],
) -> None:
    http, _ = api
    office, auditor = await login(http, "office"), await login(http, "auditor")
    starts = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    change = {
        "reminder_months": [9, 11],
        "stall_after_days": 60,
        "sme_min_employees": 20,
        "sme_max_employees": 200,
        "max_classroom_participants": 40,
        "applies_from": starts.isoformat(),
        "reason": "smaller firms, smaller classes",
    }
    upside_down = change | {"sme_min_employees": 300}
    refused = await http.post(
        "/policies", json=upside_down, headers=office | {"Idempotency-Key": "s0"}
    )
    assert refused.status_code == 422
    assert "the minimum below the maximum; got 300–200" in refused.json()["detail"]
    made = await http.post("/policies", json=change, headers=office | {"Idempotency-Key": "s1"})
    assert made.status_code == 201, made.text
    terms = made.json()["terms"]
    assert (terms["sme_min_employees"], terms["sme_max_employees"]) == (20, 200)
    assert terms["max_classroom_participants"] == 40

    # A later version that leaves them out keeps them.
    stall = {k: v for k, v in change.items() if not k.startswith(("sme", "max"))}
    stall |= {"stall_after_days": 30, "applies_from": (starts + timedelta(days=5)).isoformat()}
    kept = await http.post("/policies", json=stall, headers=office | {"Idempotency-Key": "s2"})
    assert kept.status_code == 201, kept.text
    later = (starts + timedelta(days=6)).date().isoformat()
    then = (await http.get(f"/policies/in-force?at={later}", headers=auditor)).json()
    assert (then["version"], then["stall_after_days"]) == (2, 30)
    assert (then["sme_min_employees"], then["sme_max_employees"]) == (20, 200)
    assert then["max_classroom_participants"] == 40
