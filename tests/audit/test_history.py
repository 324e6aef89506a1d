"""An auditor reads what happened to a trainer, in order, by whose decision, from the events."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from domain.errors import InvalidInput, NotFound
from service.app.audit import history
from service.app.audit.export import ExportFormat, export
from service.app.audit.history import HistoryEntry, HistoryFilter
from tests.audit.script import JOURNEY_STEPS, Script


def journey_history(script: Script, only: HistoryFilter | None = None) -> list[HistoryEntry]:
    aggregates = history.journey_aggregates(script.app, script.journey_id)
    return list(history.entries(script.app, aggregates, only))


def test_a_journeys_history_is_every_step_in_order_with_who_took_it(script: Script) -> None:
    entries = journey_history(script)

    assert [(e.type, e.actor_role) for e in entries] == JOURNEY_STEPS
    assert [e.version for e in entries] == list(range(1, len(JOURNEY_STEPS) + 1))
    assert [e.position for e in entries] == sorted(e.position for e in entries)
    assert {e.aggregate_id for e in entries} == {script.journey_id}
    assert entries[1].actor_id == script.expert.user_id
    assert entries[2].actor_id == script.candidate.user_id
    assert entries[0].actor_id == script.hq.user_id
    first, second = (e for e in entries if e.type == "Journey.CycleAssessed")
    assert first.payload == {"outcome": "provisional", "comments": "observed in class"}
    assert second.payload["outcome"] == "recommended"
    assert first.timestamp and second.timestamp
    assert first.timestamp < script.after_provisional < second.timestamp
    assert all(e.command_id for e in entries), "every step names the command that caused it"


def test_a_trainers_history_holds_their_journeys_and_their_standing(script: Script) -> None:
    aggregates = history.trainer_aggregates(script.app, script.candidate.user_id)
    entries = list(history.entries(script.app, aggregates))

    types = [e.type for e in entries]
    assert types[0] == "Trainer.Registered"
    assert types.index("Trainer.JourneyOpened") < types.index("Journey.Enrolled")
    assert types[-6:] == [
        "Trainer.JourneyEnded",
        "Trainer.CredentialIssued",  # the signed credential follows the certificate
        "Trainer.ActivityReminderSent",
        "Trainer.ActivityReminderSent",
        "Trainer.DelistedForInactivity",
        "Trainer.CredentialStatusChanged",  # and its status follows the delisting
    ]
    assert [e for e in entries if e.aggregate_id == script.journey_id] == journey_history(script)
    delisted, suspended = entries[-2:]
    assert (delisted.actor_id, delisted.actor_role) == ("system", "system")
    assert suspended.payload["status"] == "suspended"
    assert suspended.command_id == delisted.command_id + "/credential"


def test_history_filters_by_time_range_and_event_type(script: Script) -> None:
    assessments = journey_history(script, HistoryFilter(types=frozenset({"Journey.CycleAssessed"})))
    assert [e.payload["outcome"] for e in assessments] == ["provisional", "recommended"]

    second_cycle = journey_history(
        script, HistoryFilter(since=script.after_provisional, until=script.after_certification)
    )
    assert [e.type for e in second_cycle] == [t for t, _ in JOURNEY_STEPS[8:]]

    with pytest.raises(InvalidInput, match=r"Unknown event type Journey\.Teleported"):
        HistoryFilter(types=frozenset({"Journey.Teleported"}))
    with pytest.raises(InvalidInput, match="since"):
        HistoryFilter(since=script.after_certification, until=script.after_provisional)


def test_history_pages_follow_on_from_each_other(script: Script) -> None:
    aggregates = history.trainer_aggregates(script.app, script.candidate.user_id)
    everything = list(history.entries(script.app, aggregates))
    pages, after = [], 0
    while True:
        page = history.page_of(script.app, aggregates, HistoryFilter(), after=after, limit=7)
        pages.append(page.entries)
        if page.next_after is None:
            break
        after = page.next_after

    assert [len(p) for p in pages] == [7, 7, 7, len(everything) - 21]
    assert [e for p in pages for e in p] == everything
    with pytest.raises(InvalidInput, match="1 to 1000"):
        history.page_of(script.app, aggregates, HistoryFilter(), limit=5000)


def test_exports_carry_the_same_entries_as_ndjson_and_csv(script: Script) -> None:
    entries = journey_history(script)

    ndjson = b"".join(export(entries, ExportFormat.NDJSON)).decode()
    lines = [json.loads(line) for line in ndjson.splitlines()]
    assert lines == [e.as_json() for e in entries]

    table = list(csv.DictReader(io.StringIO(b"".join(export(entries, ExportFormat.CSV)).decode())))
    assert [(r["type"], r["actor_role"]) for r in table] == JOURNEY_STEPS
    assert [int(r["position"]) for r in table] == [e.position for e in entries]
    assert [json.loads(r["payload"]) for r in table] == [e.payload for e in entries]
    assert datetime.fromisoformat(table[0]["timestamp"]) == entries[0].timestamp


def test_the_whole_store_exports_in_order(script: Script) -> None:
    every = list(history.entries(script.app))

    assert [e.position for e in every] == sorted({e.position for e in every})
    assert len(every) == script.app.recorder.max_notification_id()
    assert {
        "Trainer",
        "EmailAddress",
        "EnterpriseName",
        "Journey",
        "ToTWorkshop",
        "Enterprise",
        "CertificateRegistry",
    } == {e.aggregate_type for e in every}
    after_delisting = HistoryFilter(since=datetime(2027, 1, 1, tzinfo=UTC))
    assert [e.type for e in history.entries(script.app, None, after_delisting)] == [
        "Trainer.DelistedForInactivity",
        "Trainer.CredentialStatusChanged",
    ]


def test_unknown_trainers_and_journeys_are_not_found(script: Script) -> None:
    with pytest.raises(NotFound):
        history.trainer_aggregates(script.app, script.journey_id)  # a journey, not a trainer
    with pytest.raises(NotFound):
        history.journey_aggregates(script.app, "not-a-uuid")
