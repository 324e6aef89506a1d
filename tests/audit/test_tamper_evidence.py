"""Whoever changes the event store behind the application's back is found out by verify.

Each test damages the store directly in SQL, as someone with database access could, and
checks that verify names the first altered, missing, inserted or reordered event.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from domain import ids
from service.app.audit import history
from service.app.audit.as_of import DamagedRecord, trainer_as_of
from service.app.audit.history import HistoryEntry
from service.app.audit.seal import seal_unchained
from service.app.audit.verify import ChainProblem, VerifyReport, verify_chains
from service.app.certification import ConcurrentChange
from service.storage.chain import Link, chain_of
from tests.audit.script import Script
from tests.stories import Story, new_id


def tamper(script: Script, sql: str, **parameters: Any) -> None:
    with chain_of(script.app).engine.begin() as conn:
        conn.execute(text(sql), parameters)


def verify(script: Script) -> VerifyReport:
    return verify_chains(chain_of(script.app))


def journey_events(script: Script) -> list[HistoryEntry]:
    journey = history.journey_aggregates(script.app, script.journey_id)
    return list(history.entries(script.app, journey))


def only_problem(report: VerifyReport) -> ChainProblem:
    assert not report.intact
    (problem,) = report.problems
    return problem


def test_a_store_written_by_the_application_is_intact(script: Script) -> None:
    report = verify(script)

    assert report.intact, report.problems
    assert report.events_checked == report.position == script.app.recorder.max_notification_id()
    aggregates = {e.aggregate_id for e in history.entries(script.app)}
    assert report.chains_checked == len(aggregates)


def test_an_altered_event_is_found(script: Script) -> None:
    assessed = next(e for e in journey_events(script) if e.type == "Journey.CycleAssessed")
    tamper(
        script,
        "UPDATE certification_events SET state = :state WHERE id = :id",
        state=b'{"outcome":"recommended","comments":"observed in class"}',
        id=assessed.position,
    )

    problem = only_problem(verify(script))
    assert (problem.kind, problem.aggregate_id) == ("altered", script.journey_id)
    assert (problem.version, problem.position) == (assessed.version, assessed.position)


def test_an_event_altered_beyond_reading_is_shown_as_unreadable_not_hidden(
    script: Script,
) -> None:
    assessed = next(e for e in journey_events(script) if e.type == "Journey.CycleAssessed")
    tamper(
        script,
        "UPDATE certification_events SET state = :state WHERE id = :id",
        state=b"{}",
        id=assessed.position,
    )

    shown = next(e for e in journey_events(script) if e.position == assessed.position)
    assert (shown.type, shown.timestamp, shown.actor_id) == ("Journey.CycleAssessed", None, "")
    assert "unreadable" in shown.payload
    assert only_problem(verify(script)).kind == "altered"
    with pytest.raises(DamagedRecord, match=f"position {assessed.position}"):
        trainer_as_of(script.app, script.candidate.user_id, script.after_certification)


def test_of_two_deleted_events_the_first_is_reported(script: Script) -> None:
    events = journey_events(script)
    middle, last = events[5], events[-1]
    tamper(
        script,
        "DELETE FROM certification_events WHERE id IN (:a, :b)",
        a=middle.position,
        b=last.position,
    )

    problem = only_problem(verify(script))  # the first problem of the journey's chain
    assert (problem.kind, problem.version, problem.position) == (
        "missing",
        middle.version,
        middle.position,
    )


def test_the_last_event_of_a_chain_deleted_is_found_by_its_link(script: Script) -> None:
    last = journey_events(script)[-1]
    tamper(script, "DELETE FROM certification_events WHERE id = :id", id=last.position)

    problem = only_problem(verify(script))
    assert (problem.kind, problem.version, problem.position) == (
        "missing",
        last.version,
        last.position,
    )


def test_an_event_inserted_in_sql_is_found(script: Script) -> None:
    last = journey_events(script)[-1]
    tamper(
        script,
        "INSERT INTO certification_events (originator_id, originator_version, topic, state) "
        "SELECT originator_id, originator_version + 1, topic, state "
        "FROM certification_events WHERE id = :id",
        id=last.position,
    )

    problem = only_problem(verify(script))
    assert (problem.kind, problem.aggregate_id, problem.version) == (
        "unchained",
        script.journey_id,
        last.version + 1,
    )
    assert problem.position is not None and problem.position > last.position


def test_events_swapped_in_order_are_found(script: Script) -> None:
    events = journey_events(script)
    second, third = events[1], events[2]
    swap = "UPDATE certification_events SET originator_version = :to WHERE id = :id"
    tamper(script, swap, to=-1, id=second.position)
    tamper(script, swap, to=second.version, id=third.position)
    tamper(script, swap, to=third.version, id=second.position)

    problem = only_problem(verify(script))
    assert (problem.kind, problem.version, problem.position) == (
        "reordered",
        second.version,
        third.position,
    )


def test_a_cover_up_that_removes_an_event_and_its_link_is_caught_by_the_anchor(
    script: Script,
) -> None:
    anchor = verify(script).digest  # kept outside the database, e.g. in last year's report
    last = journey_events(script)[-1]
    tamper(script, "DELETE FROM certification_events WHERE id = :id", id=last.position)
    tamper(script, "DELETE FROM certification_events_chain WHERE position = :id", id=last.position)

    report = verify_chains(chain_of(script.app), anchor)
    assert report.problems == ()  # every remaining chain is consistent in itself …
    assert report.anchor_check is not None and not report.anchor_check.holds  # … but not the store
    assert not report.intact


def test_an_anchor_still_holds_after_new_steps(script: Script) -> None:
    anchor = verify(script).digest
    Story(script.app, start=script.after_delisting).register_candidate("Bola Ade")

    report = verify_chains(chain_of(script.app), anchor)
    assert report.position > anchor.position
    assert report.intact and report.anchor_check is not None and report.anchor_check.holds


def test_an_event_is_never_stored_without_its_link(script: Script) -> None:
    """The link is written in the event's transaction: if it cannot be, neither is the event."""
    email = "squatted@example.org"
    with chain_of(script.app).engine.begin() as conn:  # a link where the next event's will go
        link = Link(ids.email_address_id(email), 1, 0, "0" * 64)
        conn.execute(chain_of(script.app).table.insert(), link.as_row())
    stored = script.app.recorder.max_notification_id()

    with pytest.raises(ConcurrentChange):
        script.app.register_trainer(
            "Sam Squat", email, "IN", script.hq, new_id(), script.after_delisting
        )

    assert script.app.recorder.max_notification_id() == stored
    assert script.app.trainer_id_for_email(email) is None


def test_sealing_chains_a_store_written_before_the_chain_existed(script: Script) -> None:
    tamper(script, "DELETE FROM certification_events_chain")
    before = verify(script)
    assert {p.kind for p in before.problems} == {"unchained"}
    assert len(before.problems) == before.chains_checked

    sealed = seal_unchained(chain_of(script.app))

    assert (sealed.events_sealed, sealed.aggregates_left) == (before.events_checked, 0)
    assert verify(script).intact
