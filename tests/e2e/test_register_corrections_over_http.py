"""The office corrects its registers over HTTP: a workshop rescheduled, refused a cancellation
while a candidate is enrolled, cancelled when empty and closed to enrolment; an enterprise
edited, its size warning following the new count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.harness import Stack
from tests.e2e.people import cast, enterprise, get, post, register, workshop


async def test_the_office_reschedules_and_cancels_workshops_as_the_rules_allow(
    stack: Stack,
) -> None:
    c = await cast(stack)
    busy = await workshop(stack, c)
    await post(stack, c.office, "/journeys", {"trainer_id": c.candidate_id, "workshop_id": busy})
    today = datetime.now(UTC).date()

    async with stack.client(c.office) as http:
        moved = await http.patch(f"/workshops/{busy}", json={"reason": "Flood", "venue": "Pune"})
        into_the_past = await http.patch(
            f"/workshops/{busy}",
            json={
                "reason": "Held earlier",
                "starts_on": (today - timedelta(days=8)).isoformat(),
                "ends_on": (today - timedelta(days=4)).isoformat(),
            },
        )
        before = stack.events()
        refused = await http.post(f"/workshops/{busy}/cancellation", json={"reason": "No hall"})
    assert moved.status_code == 200 and moved.json()["plan"]["venue"] == "Pune", moved.text
    assert into_the_past.status_code == 409, into_the_past.text
    assert into_the_past.json()["code"] == "workshop_would_end_for_enrolled"
    assert refused.status_code == 409 and refused.json()["code"] == "workshop_has_candidates"
    assert stack.events() == before

    empty = await workshop(stack, c)
    cancelled = await post(stack, c.office, f"/workshops/{empty}/cancellation", {"reason": "Few"})
    assert cancelled["cancelled_reason"] == "Few"
    newcomer = await register(stack, c.office, "Nina Newcomer")  # no journey open yet
    async with stack.client(c.office) as http:
        enrolment = await http.post(
            "/journeys", json={"trainer_id": newcomer, "workshop_id": empty}
        )
    assert enrolment.status_code == 409 and enrolment.json()["code"] == "workshop_cancelled"


async def test_the_office_edits_an_enterprise_and_its_size_warning_follows(stack: Stack) -> None:
    c = await cast(stack)
    firm = await enterprise(stack, c.office, employees=120)

    async with stack.client(c.office) as http:
        edited = await http.patch(f"/enterprises/{firm}", json={"employees": 400})
        unchanged = await http.patch(f"/enterprises/{firm}", json={"employees": 400})
    async with stack.client(c.expert) as http:
        by_expert = await http.patch(f"/enterprises/{firm}", json={"sector": "textiles"})

    assert edited.status_code == 200, edited.text
    assert edited.json()["details"]["employees"] == 400
    warning = edited.json()["size_warning"]
    assert "400 employees" in warning["detail"] and warning["params"]["employees"] == 400
    assert unchanged.status_code == 422 and "Nothing to change" in unchanged.json()["detail"]
    assert by_expert.status_code == 403
    assert (await get(stack, c.office, f"/enterprises/{firm}"))["employees"] == 400
