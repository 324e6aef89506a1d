"""Corrections over HTTP: a visit recorded with the wrong date is amended, a progress report
voided, and the audit shows both views of the past (docs/audit.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from tests.e2e.harness import Stack
from tests.e2e.people import Cast, cast, enrolled, enterprise, get, post

DAYS_AGO = {n: (datetime.now(UTC).date() - timedelta(days=n)).isoformat() for n in range(12)}


async def _cycle_with_a_wrong_visit_date(stack: Stack, c: Cast, journey: str) -> Any:
    """Through the progress report, the visit dated 3 days ago instead of 5; the answer."""
    base = f"/journeys/{journey}"
    await post(stack, c.expert, f"{base}/tot-result", {"attended": True, "completed": True})
    firm = await enterprise(stack, c.candidate)
    await post(stack, c.candidate, f"{base}/enterprises", {"enterprise_id": firm})
    baseline = {"visited_on": DAYS_AGO[10], "indicators": {"productivity": 100, "defects": 8}}
    await post(
        stack, c.candidate, f"{base}/baseline-assessments", {"enterprise_id": firm} | baseline
    )
    classroom = {"held_on": DAYS_AGO[8], "managers": 6, "workers": 14, "women": 7}
    await post(stack, c.candidate, f"{base}/classroom-workshop", classroom)
    visit = {"enterprise_id": firm, "visited_on": DAYS_AGO[3]}  # it was 5 days ago
    await post(stack, c.candidate, f"{base}/coaching-visits", visit)
    report = {"enterprise_id": firm, "indicators": {"productivity": 120, "defects": 6}}
    return await post(stack, c.candidate, f"{base}/progress-reports", report)


async def _a_journey_with_a_wrong_visit_date(stack: Stack) -> tuple[Cast, str, Any]:
    """A new cast, their journey's id, and the journey through the report (the answer)."""
    c = await cast(stack)
    journey = await enrolled(stack, c)
    return c, journey, await _cycle_with_a_wrong_visit_date(stack, c, journey)


def _position(journey: dict[str, Any], kind: str) -> int:
    (version,) = [r["version"] for r in journey["recorded"] if r["step"]["kind"] == kind]
    return int(version)


async def _correct(stack: Stack, user: str, journey: str, body: dict[str, Any]) -> Any:
    async with stack.client(user) as http:
        return await http.post(f"/journeys/{journey}/corrections", json=body)


def _visit_dates(as_of: dict[str, Any]) -> list[str]:
    return [
        r["step"]["visited_on"]
        for r in as_of["state"]["recorded"]
        if r["step"]["kind"] == "coaching_visit" and not r["voided"]
    ]


async def test_a_corrected_visit_and_a_voided_report_show_in_both_views_of_the_past(
    stack: Stack,
) -> None:
    c, journey, now = await _a_journey_with_a_wrong_visit_date(stack)
    visit, report = _position(now, "coaching_visit"), _position(now, "progress_report")
    history = await get(stack, c.auditor, f"/audit/journeys/{journey}/history")
    before_corrections = quote(history["entries"][-1]["timestamp"])

    amend = {"step_version": visit, "reason": "It was on the 5th", "visited_on": DAYS_AGO[5]}
    amended = (await _correct(stack, c.candidate, journey, amend)).json()
    assert _visit_dates({"state": amended}) == [DAYS_AGO[5]]
    void = {"step_version": report, "reason": "Figures of another firm", "void": True}
    voided = (await _correct(stack, c.expert, journey, void)).json()
    assert voided["next_action"].startswith("progress report for")
    assert voided["next_step"]["step"] == "progress_report"

    as_of = f"/audit/journeys/{journey}/as-of?at={before_corrections}"
    recorded = await get(stack, c.auditor, f"{as_of}&view=as-recorded")
    in_effect = await get(stack, c.auditor, f"{as_of}&view=as-in-effect")
    assert _visit_dates(recorded) == [DAYS_AGO[3]]  # what the service knew then
    assert _visit_dates(in_effect) == [DAYS_AGO[5]]  # what was true then
    assert recorded["state"]["cycle"]["enterprises"][0]["reports"] == 1
    assert in_effect["state"]["cycle"]["enterprises"][0]["reports"] == 0
    assert [e["type"] for e in in_effect["corrections_since"]] == [
        "Journey.StepAmended",
        "Journey.StepVoided",
    ]
    assert recorded["corrections_since"] == []
    trainer = f"/audit/trainers/{c.candidate_id}/as-of?at={before_corrections}"
    (in_effect_journey,) = (await get(stack, c.auditor, f"{trainer}&view=as-in-effect"))["journeys"]
    assert _visit_dates(in_effect_journey) == [DAYS_AGO[5]]
    (recorded_journey,) = (await get(stack, c.auditor, trainer))["journeys"]  # the default
    assert _visit_dates(recorded_journey) == [DAYS_AGO[3]]


async def test_a_correction_that_breaks_a_rule_is_refused_with_its_reason_and_writes_nothing(
    stack: Stack,
) -> None:
    c, journey, now = await _a_journey_with_a_wrong_visit_date(stack)
    visit, baseline = _position(now, "coaching_visit"), _position(now, "baseline_assessment")
    classroom = _position(now, "classroom_workshop")
    events = stack.events()

    too_early = {"step_version": visit, "reason": "typo", "visited_on": DAYS_AGO[9]}
    refused = await _correct(stack, c.candidate, journey, too_early)
    assert refused.status_code == 409
    assert "would come before the classroom workshop" in refused.json()["detail"]
    voided_baseline = await _correct(
        stack, c.expert, journey, {"step_version": baseline, "reason": "x", "void": True}
    )
    assert voided_baseline.status_code == 409
    for bad in (
        {"step_version": visit, "reason": "x", "void": True, "notes": "both"},
        {"step_version": visit, "reason": "x", "held_on": DAYS_AGO[5]},
        {"step_version": 0, "reason": "x", "notes": "n"},
        {"step_version": visit, "notes": "no reason"},
        {"step_version": classroom, "reason": "x", "women": -1},
        {"step_version": classroom, "reason": "x", "satisfaction": 101},
    ):
        assert (await _correct(stack, c.candidate, journey, bad)).status_code == 422, bad
    assert stack.events() == events


async def test_the_public_statistics_count_a_classroom_workshop_as_corrected(
    stack: Stack,
) -> None:
    c, journey, now = await _a_journey_with_a_wrong_visit_date(stack)
    before = await get(stack, None, "/public/statistics")

    classroom = _position(now, "classroom_workshop")
    fix = {"step_version": classroom, "reason": "Two managers counted twice", "managers": 4}
    assert (await _correct(stack, c.office, journey, fix)).status_code == 200

    after = await get(stack, None, "/public/statistics")
    assert after["participants"] == before["participants"] - 2
    assert after["managers"] == before["managers"] - 2


async def test_the_office_cannot_correct_a_journey_that_has_ended_and_nothing_is_written(
    stack: Stack,
) -> None:
    c, journey, now = await _a_journey_with_a_wrong_visit_date(stack)
    await post(stack, c.candidate, f"/journeys/{journey}/withdrawal", {"reason": "moved away"})
    events = stack.events()

    fix = {"step_version": _position(now, "coaching_visit"), "reason": "late", "notes": "5S"}
    refused = await _correct(stack, c.office, journey, fix)

    assert refused.status_code == 409
    assert refused.json()["code"] == "correction_after_close"
    assert "can no longer be corrected" in refused.json()["detail"]
    assert stack.events() == events
