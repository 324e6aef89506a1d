"""A journey taken over HTTP through the workflows, then audited over HTTP: the events the
worker wrote are in the history with the people who took each step, and their chain holds."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.e2e.harness import Stack
from tests.e2e.people import cast, enrolled, get, post, through_toe_cycle


async def test_an_auditor_reads_a_journey_taken_over_http_and_finds_the_store_intact(
    stack: Stack,
) -> None:
    c = await cast(stack)
    journey = await enrolled(stack, c)
    await through_toe_cycle(stack, c, journey)
    await post(stack, c.expert, f"/journeys/{journey}/assessment", {"outcome": "recommended"})
    await post(stack, c.office, f"/journeys/{journey}/certification")

    history = await get(stack, c.auditor, f"/audit/journeys/{journey}/history")
    candidate, expert = c.candidate_id, c.expert_id
    assert [(e["type"], e["actor_id"]) for e in history["entries"]] == [
        ("Journey.Enrolled", c.office),
        ("Journey.ToTResultRecorded", expert),
        ("Journey.EnterpriseSelected", candidate),
        ("Journey.BaselineAssessmentRecorded", candidate),
        ("Journey.ClassroomWorkshopDelivered", candidate),
        ("Journey.CoachingVisitRecorded", candidate),
        ("Journey.ProgressReported", candidate),
        ("Journey.CycleAssessed", expert),
        ("Journey.Certified", c.office),
    ]
    command_ids = [e["command_id"] for e in history["entries"]]
    assert len(set(command_ids)) == len(command_ids)  # one request, one step

    now = datetime.now(UTC).isoformat()
    standing = await get(stack, c.auditor, f"/audit/trainers/{candidate}/as-of?at={now}")
    assert standing["listing"] == "listed" and standing["state"]["certified_modules"] == ["WC"]

    verified = await get(stack, c.auditor, "/audit/verify")
    assert verified["problems"] == []
    assert verified["events_checked"] == stack.events()

    reads = await get(stack, c.office, f"/audit/reads?username={c.auditor}")
    assert [r["path"] for r in reads] == [
        f"/audit/journeys/{journey}/history",
        f"/audit/trainers/{candidate}/as-of",
        "/audit/verify",
    ]
