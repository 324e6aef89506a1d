"""The audit over HTTP: who may read it, what they read, and that each read is recorded.

The API here is the real FastAPI app with the real services (event store, read models,
accounts) on each backend; no step is taken over HTTP, so no Temporal is needed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text

from domain.values import Role
from service.app.accounts import Accounts, User, UserExists
from service.bootstrap.api import build_services, close_services
from service.http.deps import Services
from service.http.main import create_app
from service.settings import Settings
from service.storage.chain import chain_of
from tests.audit.script import JOURNEY_STEPS, Script


class NoStepsHere:
    """The audit takes no steps; any attempt would be a bug in the test."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the audit API took a step ({name})")


@dataclass
class AuditApi:
    services: Services
    http: httpx.AsyncClient
    script: Script
    tokens: dict[Role, str]

    async def get(
        self, path: str, role: Role | None = Role.AUDITOR, **params: Any
    ) -> httpx.Response:
        headers = {} if role is None else {"Authorization": f"Bearer {self.tokens[role]}"}
        return await self.http.get(path, params=params, headers=headers)

    async def ok(self, path: str, role: Role = Role.AUDITOR, **params: Any) -> Any:
        reply = await self.get(path, role, **params)
        assert reply.status_code == 200, reply.text
        return reply.json()


def registered(accounts: Accounts, user: User) -> str:
    """A token for `user`, whose record it is checked against (the database outlives a test)."""
    with suppress(UserExists):
        accounts.create(user.username, "audit-test-password", user.role, user.trainer_id)
    accounts.set_role(user.username, user.role, user.trainer_id)
    return accounts.issue_token(user)


@pytest_asyncio.fixture
async def api(settings: Settings) -> AsyncIterator[AuditApi]:
    cheap_hashing = {"argon2_memory_kib": 1024, "argon2_time_cost": 1}
    services = build_services(settings.model_copy(update=cheap_hashing), lambda _: NoStepsHere())
    script = Script.played(services.certification)
    people = {
        Role.AUDITOR: User("ines-auditor", Role.AUDITOR, None),
        Role.HQ: User("olga-office", Role.HQ, None),
        Role.EXPERT: User("esther-expert", Role.EXPERT, script.expert.user_id),
        Role.TRAINER: User("asha-trainer", Role.TRAINER, script.candidate.user_id),
    }
    tokens = {role: registered(services.accounts, user) for role, user in people.items()}
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://audit") as http:
        yield AuditApi(services, http, script, tokens)
    close_services(services)


async def test_only_auditors_and_the_programme_office_read_the_audit(api: AuditApi) -> None:
    path = f"/audit/trainers/{api.script.candidate.user_id}/history"

    assert (await api.get(path, role=None)).status_code == 401
    for outsider in (Role.EXPERT, Role.TRAINER):
        refused = await api.get(path, outsider)
        assert refused.status_code == 403
        assert refused.json()["error"] == "NotPermitted"
        assert "auditor" in refused.json()["detail"]
    for insider in (Role.AUDITOR, Role.HQ):
        assert (await api.get(path, insider)).status_code == 200


async def test_every_audit_read_is_recorded_with_who_what_and_when(api: AuditApi) -> None:
    trainer = api.script.candidate.user_id
    await api.ok(f"/audit/trainers/{trainer}/history", type=["Trainer.CertificateIssued"], limit=5)
    await api.ok(f"/audit/trainers/{trainer}/as-of", role=Role.HQ, at="2026-02-01")
    await api.get(f"/audit/trainers/{trainer}/history", Role.EXPERT)  # refused: not a read
    malformed = await api.get(f"/audit/trainers/{trainer}/as-of", at="soon")  # asked all the same
    assert malformed.status_code == 422

    reads = await api.ok("/audit/reads")

    assert [(r["username"], r["role"], r["path"]) for r in reads] == [
        ("ines-auditor", "auditor", f"/audit/trainers/{trainer}/history"),
        ("olga-office", "hq", f"/audit/trainers/{trainer}/as-of"),
        ("ines-auditor", "auditor", f"/audit/trainers/{trainer}/as-of"),
        ("ines-auditor", "auditor", "/audit/reads"),  # reading the log is a read too
    ]
    assert reads[0]["parameters"] == {"type": "Trainer.CertificateIssued", "limit": "5"}
    assert reads[1]["parameters"] == {"at": "2026-02-01"}
    assert reads[2]["parameters"] == {"at": "soon"}
    assert reads[0]["read_at"] <= reads[1]["read_at"] <= reads[3]["read_at"]
    office_only = await api.ok("/audit/reads", username="olga-office")
    assert [r["path"] for r in office_only] == [f"/audit/trainers/{trainer}/as-of"]


async def test_a_journeys_history_pages_and_exports_over_http(api: AuditApi) -> None:
    journey = f"/audit/journeys/{api.script.journey_id}/history"
    first = await api.ok(journey, limit=10)
    rest = await api.ok(journey, limit=10, after=first["next_after"])
    entries = first["entries"] + rest["entries"]
    assert rest["next_after"] is None
    assert [(e["type"], e["actor_role"]) for e in entries] == JOURNEY_STEPS

    ndjson = await api.get(f"{journey}/export", format="ndjson")
    assert ndjson.headers["content-type"].startswith("application/x-ndjson")
    assert "attachment" in ndjson.headers["content-disposition"]
    assert [json.loads(line) for line in ndjson.text.splitlines()] == entries

    table = await api.get(f"{journey}/export", format="csv")
    assert table.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert [(r["type"], r["actor_id"]) for r in rows] == [
        (e["type"], e["actor_id"]) for e in entries
    ]


async def test_a_trainers_history_and_the_whole_store_export_with_filters(api: AuditApi) -> None:
    trainer = api.script.candidate.user_id
    reminders = await api.ok(
        f"/audit/trainers/{trainer}/history",
        type="Trainer.ActivityReminderSent",
        since="2026-10-01",
        until="2026-12-31",
    )
    assert [e["payload"]["months"] for e in reminders["entries"]] == [9, 11]

    everything = (await api.get("/audit/events/export")).text.splitlines()
    assert len(everything) == api.services.certification.recorder.max_notification_id()
    certified = (await api.get("/audit/events/export", format="csv", type="Journey.Certified")).text
    assert len(certified.splitlines()) == 2  # the header and the one certification


async def test_the_state_as_of_a_moment_over_http(api: AuditApi) -> None:
    script, trainer = api.script, api.script.candidate.user_id
    certified_day = (script.after_certification - timedelta(hours=1)).date().isoformat()

    then = await api.ok(f"/audit/trainers/{trainer}/as-of", at=certified_day)
    assert then["listing"] == "listed"
    assert then["state"]["certified_modules"] == ["WC"]
    assert then["journeys"][0]["state"]["stage"] == "certified"
    assert then["decided_by"]["type"] == "Trainer.CertificateIssued"
    later = await api.ok(f"/audit/trainers/{trainer}/as-of", at=script.after_delisting.isoformat())
    assert later["listing"] == "inactive" and "12 months" in later["why"]

    listed = await api.ok("/audit/public-list", on=certified_day)
    assert [t["certificate_number"] for t in listed] == [script.certificate_number]
    assert await api.ok("/audit/public-list", on=script.after_delisting.isoformat()) == []
    number = script.certificate_number
    assert (await api.ok(f"/audit/certificates/{number}", on=certified_day))["listed"] is True
    before = await api.get(f"/audit/certificates/{number}", on="2026-01-01")
    assert before.status_code == 404 and "not issued by 2026-01-01" in before.json()["detail"]


async def test_verify_over_http_reports_the_chain_and_the_first_damage(api: AuditApi) -> None:
    clean = await api.ok("/audit/verify")
    assert clean["problems"] == [] and clean["events_checked"] == clean["position"]
    assert clean["intact"] is True
    anchor = f"{clean['digest']['position']}:{clean['digest']['digest']}"
    anchored = await api.ok("/audit/verify", anchor=anchor)
    assert anchored["anchor_check"]["recomputed"] == clean["digest"]["digest"]
    assert anchored["anchor_check"]["holds"] is True and anchored["intact"] is True

    with chain_of(api.services.certification).engine.begin() as conn:
        conn.execute(text("DELETE FROM certification_events WHERE id = 5"))
    damaged = await api.ok("/audit/verify", anchor=anchor)

    (problem,) = damaged["problems"]
    assert (problem["kind"], problem["position"]) == ("missing", 5)
    assert damaged["intact"] is False  # the link of event 5 is left: the anchor holds

    last = clean["position"]
    with chain_of(api.services.certification).engine.begin() as conn:
        conn.execute(text(f"DELETE FROM certification_events WHERE id = {last}"))
        conn.execute(text(f"DELETE FROM certification_events_chain WHERE position = {last}"))
    covered_up = await api.ok("/audit/verify", anchor=anchor)
    assert covered_up["anchor_check"]["holds"] is False and covered_up["intact"] is False
    bad_anchor = await api.get("/audit/verify", anchor="five:abc")
    assert bad_anchor.status_code == 422 and "1234:<64 hex digits>" in bad_anchor.json()["detail"]


@pytest.mark.parametrize(
    ("path", "params", "status", "says"),
    [
        ("/audit/trainers/{trainer}/as-of", {"at": "next tuesday"}, 422, "is not a date"),
        ("/audit/trainers/{trainer}/as-of", {"at": "2026-03-01T12:00:00"}, 422, "time zone"),
        ("/audit/trainers/{trainer}/as-of", {}, 422, "at: Field required"),
        ("/audit/trainers/{trainer}/history", {"type": "Journey.Nope"}, 422, "Unknown event"),
        ("/audit/trainers/{trainer}/history", {"limit": 5000}, 422, "limit"),
        ("/audit/trainers/{journey}/history", {}, 404, "No trainer"),
        ("/audit/journeys/{trainer}/history/export", {}, 404, "No journey"),
        ("/audit/events/export", {"format": "xml"}, 422, "format"),
    ],
)
async def test_bad_requests_get_a_clear_json_answer(
    api: AuditApi, path: str, params: dict[str, Any], status: int, says: str
) -> None:
    ids = {"trainer": api.script.candidate.user_id, "journey": api.script.journey_id}
    reply = await api.get(path.format(**ids), **params)

    assert reply.status_code == status, reply.text
    body = reply.json()
    assert says in body["detail"] and body["error"]
