"""The office finds people and journeys, and reads which messages went out and which failed."""

from __future__ import annotations

from typing import Any

import pytest

from domain.journey.steps import RecordToTResult
from domain.values import Actor, Module, Role
from service.adapters.mail import SmtpNotifier, SmtpServer
from service.adapters.temporal_dev import free_port
from service.app.notifications import Message
from tests.office.conftest import Desk
from tests.stories import new_id


def person(desk: Desk, name: str, country: str, *, expert: bool = False) -> Actor:
    email = f"{name.split()[0].lower()}-{new_id()[:6]}@example.org"
    story = desk.story
    state = story.app.register_trainer(
        name, email, country, story.hq, new_id(), story.later(), is_expert=expert
    ).state
    return Actor(state.trainer_id, Role.EXPERT if expert else Role.TRAINER)


async def page(desk: Desk, path: str, who: dict[str, str], **query: Any) -> dict[str, Any]:
    desk.caught_up()
    reply = await desk.http.get(path, params=query, headers=who)
    assert reply.status_code == 200, reply.text
    found: dict[str, Any] = reply.json()
    return found


def names(found: dict[str, Any]) -> list[str]:
    return [row["name"] for row in found["items"]]


async def test_the_office_searches_people_by_name_country_module_and_status(
    desk: Desk, office: dict[str, str], auditor: dict[str, str]
) -> None:
    esther = person(desk, "Esther Expert", "IN", expert=True)
    asha = person(desk, "Asha Rao", "IN")
    person(desk, "Bruno Díaz", "PE")
    person(desk, "Rao_Chen 100%", "VN")  # wildcards in a name are letters
    desk.story.certified_in(Module.WC, asha, esther)

    everyone = await page(desk, "/trainers", office)
    assert everyone["total"] == 4
    assert names(everyone) == ["Asha Rao", "Bruno Díaz", "Esther Expert", "Rao_Chen 100%"]
    assert names(await page(desk, "/trainers", auditor, q="rao")) == ["Asha Rao", "Rao_Chen 100%"]
    assert names(await page(desk, "/trainers", office, q="o_c")) == ["Rao_Chen 100%"]
    assert names(await page(desk, "/trainers", office, q="100%")) == ["Rao_Chen 100%"]
    assert names(await page(desk, "/trainers", office, country="pe")) == ["Bruno Díaz"]
    assert names(await page(desk, "/trainers", office, module="WC")) == ["Asha Rao"]
    assert names(await page(desk, "/trainers", office, status="listed")) == ["Asha Rao"]
    assert names(await page(desk, "/trainers", office, status="expert")) == ["Esther Expert"]
    candidates = await page(desk, "/trainers", office, status="candidate")
    assert names(candidates) == ["Bruno Díaz", "Esther Expert", "Rao_Chen 100%"]
    asha_email = everyone["items"][0]["email"]
    assert names(await page(desk, "/trainers", office, email=asha_email.upper())) == ["Asha Rao"]

    second = await page(desk, "/trainers", office, offset=2, limit=2)
    assert names(second) == ["Esther Expert", "Rao_Chen 100%"] and second["total"] == 4


async def test_a_country_office_finds_only_the_people_and_journeys_of_its_countries(
    desk: Desk, office: dict[str, str]
) -> None:
    esther = person(desk, "Esther Expert", "IN", expert=True)
    asha, bruno = person(desk, "Asha Rao", "IN"), person(desk, "Bruno Díaz", "PE")
    desk.story.enrol(asha, Module.WC, esther)
    desk.story.enrol(bruno, Module.WC, esther)
    peru = desk.staff("pilar-peru", Role.HQ, countries="PE")

    assert names(await page(desk, "/trainers", peru)) == ["Bruno Díaz"]
    assert names(await page(desk, "/trainers", peru, country="in")) == []
    journeys = await page(desk, "/journeys", peru)
    assert [j["trainer_id"] for j in journeys["items"]] == [bruno.user_id]
    assert len((await page(desk, "/journeys", office))["items"]) == 2


async def test_an_expert_lists_only_the_journeys_they_supervise(
    desk: Desk, office: dict[str, str]
) -> None:
    esther = person(desk, "Esther Expert", "IN", expert=True)
    otto = person(desk, "Otto Outside", "PE", expert=True)
    asha, bruno = person(desk, "Asha", "IN"), person(desk, "Bruno", "PE")
    story = desk.story
    hers = story.enrol(asha, Module.WC, esther)
    his = story.enrol(bruno, Module.WC, otto)
    story.step(hers, RecordToTResult(attended=True, completed=True), esther)
    desk.services.accounts.create("esther", "esther-password", Role.EXPERT, esther.user_id)
    as_esther = desk.bearer("esther", "esther-password")

    everything = await page(desk, "/journeys", office)
    assert {j["journey_id"] for j in everything["items"]} == {hers.journey_id, his.journey_id}
    assert everything["items"][0]["journey_id"] == hers.journey_id  # the latest step first
    mine = await page(desk, "/journeys", as_esther, expert_id=otto.user_id)
    assert [j["journey_id"] for j in mine["items"]] == [hers.journey_id] and mine["total"] == 1
    in_toe = await page(desk, "/journeys", office, stage="toe_cycle")
    assert [j["trainer_name"] for j in in_toe["items"]] == ["Asha"]
    by_trainer = await page(desk, "/journeys", office, trainer_id=bruno.user_id, open="true")
    assert [j["journey_id"] for j in by_trainer["items"]] == [his.journey_id]

    desk.services.accounts.create("asha", "asha-password", Role.TRAINER, asha.user_id)
    refused = await desk.http.get("/journeys", headers=desk.bearer("asha", "asha-password"))
    assert refused.status_code == 403
    refused = await desk.http.get("/trainers", headers=as_esther)
    assert refused.status_code == 403


REMINDER = Message(
    "stall-reminder/j-1/2026-03-01/asha@example.org",
    "asha@example.org",
    "SCORE: your journey is waiting for a step",
    "Nothing has happened on your WC journey for 60 days.",
)
DELISTING = Message(
    "delisting/t-2/bruno@example.org",
    "bruno@example.org",
    "SCORE: you have been removed from the list of certified trainers",
    "No training record has reached us for 12 months.",
)


async def test_the_office_reads_the_messages_sent_and_those_that_failed(
    desk: Desk, office: dict[str, str]
) -> None:
    outbox = desk.services.outbox
    outbox.store(REMINDER)  # kept: no SMTP server configured, the outbox is the delivery
    unreachable = SmtpServer("127.0.0.1", free_port(), "score@ilo.org", timeout_seconds=2)
    with pytest.raises(OSError):
        SmtpNotifier(unreachable, outbox).send(DELISTING)

    sent = await page(desk, "/messages", office)
    assert [(m["recipient"], m["status"]) for m in sent["items"]] == [
        ("bruno@example.org", "failed"),
        ("asha@example.org", "kept"),
    ]
    failed = (await page(desk, "/messages", office, status="failed"))["items"]
    assert len(failed) == 1 and "ConnectionRefusedError" in failed[0]["failure"]
    assert failed[0]["subject"] == DELISTING.subject
    to_asha = await page(desk, "/messages", office, recipient="Asha@Example.org")
    assert [m["message_id"] for m in to_asha["items"]] == [REMINDER.message_id]

    outbox.mark_delivered(DELISTING.message_id)  # the next attempt went through
    delivered = (await page(desk, "/messages", office, status="delivered"))["items"]
    assert [(m["recipient"], m["failure"]) for m in delivered] == [("bruno@example.org", None)]
    assert (await page(desk, "/messages", office, status="failed"))["total"] == 0

    refused = await desk.http.get("/messages", headers=desk.staff("ines", Role.AUDITOR))
    assert refused.status_code == 403
