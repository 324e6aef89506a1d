"""From registration to the public list, over HTTP, through the workflows and read models."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError

from domain.errors import JourneyClosed
from domain.journey.state import JourneyState
from domain.journey.steps import Certify, RecordToTResult, Withdraw
from domain.values import Actor, Module, Role
from projections.rebuild import rebuild_and_compare
from tests.e2e.harness import Stack
from tests.e2e.people import Cast, cast, enrolled, get, post, through_toe_cycle, workshop
from workflows import journey_workflow_id, older_journey_workflow_id
from workflows.journey import CertificationJourney
from workflows.messages import JourneyInput
from workflows.worker import connect


async def test_a_candidate_goes_from_registration_to_the_public_list(stack: Stack) -> None:
    c = await cast(stack)
    journey = await enrolled(stack, c)
    assert (await get(stack, c.expert, f"/journeys/{journey}"))["stage"] == "enrolled"

    await through_toe_cycle(stack, c, journey)
    # What the expert just did is on their worklist at once: the next action is theirs.
    (item,) = [
        i for i in await get(stack, c.expert, "/worklist") if i["journey"]["journey_id"] == journey
    ]
    assert item["journey"]["next_action"] == "assess ToE cycle 1"

    assessed = await post(
        stack, c.expert, f"/journeys/{journey}/assessment", {"outcome": "recommended"}
    )
    # The step's answer says what comes next as reading the journey does, in the same shape.
    read = await get(stack, c.expert, f"/journeys/{journey}")
    assert (assessed["next_action"], assessed["next_step"]) == ("certify", read["next_step"])
    assert read["next_action"] == "certify"
    assert (read["next_step"]["who"], read["next_step"]["step"]) == ("hq", "certification")
    certified = await post(stack, c.office, f"/journeys/{journey}/certification")
    assert certified["stage"] == "certified"

    profile = await get(stack, c.candidate, f"/trainers/{c.candidate_id}")
    number = profile["certificate_number"]
    assert number.startswith("SCORE-") and profile["modules"] == ["WC"]
    listed = [
        t for t in await get(stack, None, "/public/trainers") if t["certificate_number"] == number
    ]
    assert listed and set(listed[0]) == {
        "name",
        "country",
        "country_name",
        "modules",
        "certificate_number",
        "listed_since",
    }
    assert (listed[0]["country"], listed[0]["country_name"]) == ("IN", "India")
    checked = await get(stack, None, f"/public/certificates/{number.lower()}")
    assert checked["listed"] is True and checked["name"] == profile["name"]
    standing = await get(stack, c.candidate, f"/trainers/{c.candidate_id}/standing")
    assert standing["listing"] == "listed" and standing["reminders_sent"] == 0


async def test_the_programme_statistics_count_what_was_delivered(stack: Stack) -> None:
    before = await get(stack, None, "/public/statistics")
    c = await cast(stack)
    await through_toe_cycle(stack, c, await enrolled(stack, c))
    after = await get(stack, None, "/public/statistics")
    assert after["smes_trained"] == before["smes_trained"] + 1
    assert after["participants"] == before["participants"] + 20
    assert after["women"] == before["women"] + 7


async def test_a_training_record_restarts_the_clock_through_the_standing_workflow(
    stack: Stack,
) -> None:
    c = await cast(stack)
    journey = await enrolled(stack, c)
    await through_toe_cycle(stack, c, journey)
    await post(stack, c.expert, f"/journeys/{journey}/assessment", {"outcome": "recommended"})
    await post(stack, c.office, f"/journeys/{journey}/certification")

    today = date.today().isoformat()
    record = {"delivered_on": today, "module": "WC", "enterprises": 3, "participants": 40}
    trainer = await post(stack, c.candidate, f"/trainers/{c.candidate_id}/training-records", record)
    assert trainer["standing"]["last_training_record_at"] is not None
    standing = await get(stack, c.office, f"/trainers/{c.candidate_id}/standing")
    assert standing["training_records"] == 1


async def test_read_models_rebuilt_from_zero_equal_the_live_ones(stack: Stack) -> None:
    c = await cast(stack)
    journey = await enrolled(stack, c)
    await through_toe_cycle(stack, c, journey)
    await post(stack, c.expert, f"/journeys/{journey}/assessment", {"outcome": "provisional"})

    live = stack.services.read_models
    live.wait_for_position(stack.events(), timeout=10)
    report = rebuild_and_compare(stack.services.certification, live)
    assert report.rows_compared > 0
    assert report.identical, report.differences[:5]


async def test_materials_open_to_a_listed_trainer_for_held_modules_only(stack: Stack) -> None:
    c = await cast(stack)
    materials = f"/trainers/{c.candidate_id}/materials"
    async with stack.client(c.candidate) as http:
        not_yet = await http.post(f"{materials}/WC/manual")
    assert not_yet.status_code == 403 and not_yet.json()["error"] == "MaterialsAccessDenied"

    journey = await enrolled(stack, c)
    await through_toe_cycle(stack, c, journey)
    await post(stack, c.expert, f"/journeys/{journey}/assessment", {"outcome": "recommended"})
    await post(stack, c.office, f"/journeys/{journey}/certification")

    opened = await post(stack, c.candidate, f"{materials}/WC/enterprise_visit_guide")
    assert opened["granted"] and opened["module_name"] == "Module 1: Workplace Cooperation"
    async with stack.client(c.candidate) as http:
        other_module = await http.post(f"{materials}/OSH/manual")
    assert other_module.status_code == 403
    assert "not certified in OSH" in other_module.json()["detail"]


async def test_an_open_journey_without_a_workflow_is_adopted_at_its_next_step(
    stack: Stack,
) -> None:
    """As when an enrolment's answer was lost after its commit, or a history was imported."""
    c = await cast(stack)
    journey = await enrolled_without_a_workflow(stack, c, "imported")

    took = await tot_completed(stack, c, journey.journey_id)
    assert took["stage"] == "toe_cycle"
    assert (await get(stack, c.expert, f"/journeys/{journey.journey_id}"))["stage"] == "toe_cycle"


async def test_an_enrolment_sent_again_after_its_commit_is_answered_and_its_journey_adopted(
    stack: Stack,
) -> None:
    """As when the enrolment's run ended after its commit, its answer lost, and the
    Idempotency-Key never stored: the candidate's record names the journey that request
    opened; the answer is the first one, and a workflow now runs the open journey."""
    c = await cast(stack)
    journey = await enrolled_without_a_workflow(stack, c, "enrol-once")
    written = stack.events()

    again = await stack.services.steps.enrol(
        c.candidate_id, journey.workshop_id, Actor(c.office, Role.HQ), "enrol-once"
    )

    assert again == journey and stack.events() == written
    running = (await journey_workflow(stack, journey.journey_id)).describe()
    assert (await running).status is WorkflowExecutionStatus.RUNNING
    took = await tot_completed(stack, c, journey.journey_id)
    assert took["stage"] == "toe_cycle"


async def test_an_enrolment_sent_again_after_its_journey_ended_starts_no_workflow(
    stack: Stack,
) -> None:
    c = await cast(stack)
    journey = await enrolled_without_a_workflow(stack, c, "enrol-once")
    withdraw = Withdraw("moved abroad for a year")
    office = Actor(c.office, Role.HQ)
    stack.services.certification.take_step(journey.journey_id, withdraw, office, "left", now())
    written = stack.events()

    again = await stack.services.steps.enrol(
        c.candidate_id, journey.workshop_id, Actor(c.office, Role.HQ), "enrol-once"
    )

    assert again == journey and stack.events() == written
    with pytest.raises(RPCError, match="not found"):
        await (await journey_workflow(stack, journey.journey_id)).describe()


async def enrolled_without_a_workflow(stack: Stack, c: Cast, command_id: str) -> JourneyState:
    workshop_id = await workshop(stack, c)
    enrol = stack.services.certification.enrol
    return enrol(c.candidate_id, workshop_id, Actor(c.office, Role.HQ), command_id, now()).state


async def tot_completed(stack: Stack, c: Cast, journey_id: str) -> Any:
    """The expert records the ToT workshop as attended and completed: the journey's next step."""
    body = {"attended": True, "completed": True}
    return await post(stack, c.expert, f"/journeys/{journey_id}/tot-result", body)


async def journey_workflow(stack: Stack, journey_id: str) -> WorkflowHandle[Any, Any]:
    assert stack.settings.temporal_address is not None
    client = await connect(stack.settings.temporal_address)
    return client.get_workflow_handle(journey_workflow_id(journey_id))


def now() -> datetime:
    return datetime.now(UTC)


async def test_retrying_the_step_that_closed_a_journey_gets_the_first_answer(
    stack: Stack,
) -> None:
    """As when the answer was lost after the commit and the Idempotency-Key never stored."""
    c = await cast(stack)
    journey_id = await enrolled(stack, c)
    await through_toe_cycle(stack, c, journey_id)
    await post(stack, c.expert, f"/journeys/{journey_id}/assessment", {"outcome": "recommended"})
    office = Actor(c.office, Role.HQ)

    first = await stack.services.steps.take_step(journey_id, Certify(), office, "certify-once")
    written = stack.events()
    again = await stack.services.steps.take_step(journey_id, Certify(), office, "certify-once")
    assert again == first and stack.events() == written


async def test_a_step_meant_for_an_ended_journey_never_lands_on_the_next_one(
    stack: Stack,
) -> None:
    """Under the older workflow id (one per candidate and module) a workflow served the
    candidate's next journey too; a step names its journey, so that one does not take it."""
    c = await cast(stack)
    first = await enrolled(stack, c)
    await post(stack, c.candidate, f"/journeys/{first}/withdrawal", {"reason": "moved away"})
    second = await enrolled(stack, c)
    gateway = stack.services.steps._gateway  # type: ignore[attr-defined]
    tot = RecordToTResult(attended=True, completed=True)
    with pytest.raises(JourneyClosed, match=f"current WC journey is {second}"):
        await gateway.take_step(
            first,
            tot,
            Actor(c.expert_id, Role.EXPERT),
            "late-step",
            workflow_id=journey_workflow_id(second),
        )


async def test_a_journey_whose_workflow_runs_under_the_older_id_takes_its_steps_there(
    stack: Stack,
) -> None:
    c = await cast(stack)
    office = Actor(c.office, Role.HQ)
    opened = stack.services.certification.enrol(
        c.candidate_id, await workshop(stack, c), office, "enrolled-before", datetime.now(UTC)
    )
    journey = opened.state
    gateway = stack.services.steps._gateway  # type: ignore[attr-defined]
    older = older_journey_workflow_id(c.candidate_id, Module.WC)
    await gateway.client.start_workflow(
        CertificationJourney.run,
        JourneyInput(c.candidate_id, Module.WC, gateway.policy, state=journey),
        id=older,
        task_queue=gateway.task_queue,
    )

    taken = await post(
        stack,
        c.expert,
        f"/journeys/{journey.journey_id}/tot-result",
        {"attended": True, "completed": True},
    )

    assert taken["stage"] == "toe_cycle"
    held = await gateway.client.get_workflow_handle(older).query(CertificationJourney.state)
    assert held.stage.value == "toe_cycle"
    assert await gateway.journey(journey.journey_id) is None  # no second workflow for it


async def test_a_step_on_an_ended_journey_is_refused_with_its_reason_over_http(
    stack: Stack,
) -> None:
    """The API sends steps on journeys it knows straight to the workflow; the workflow id
    then serves the candidate's next journey, which must not take the step."""
    c = await cast(stack)
    first = await enrolled(stack, c)
    await post(stack, c.candidate, f"/journeys/{first}/withdrawal", {"reason": "moved away"})
    second = await enrolled(stack, c)
    written = stack.events()

    async with stack.client(c.expert) as http:
        late = await http.post(
            f"/journeys/{first}/tot-result", json={"attended": True, "completed": True}
        )

    assert late.status_code == 409
    assert "withdrawn" in late.json()["detail"]
    assert stack.events() == written
    assert (await get(stack, c.expert, f"/journeys/{second}"))["stage"] == "enrolled"


async def test_an_enterprises_cycles_are_read_by_their_candidate_expert_and_office_only(
    stack: Stack,
) -> None:
    c = await cast(stack)
    journey = await enrolled(stack, c)
    await through_toe_cycle(stack, c, journey)
    other = await cast(stack)  # another candidate and another expert
    (firm,) = [
        e["enterprise_id"]
        for e in await get(stack, c.office, "/enterprises")
        if any(p["journey_id"] == journey for p in e["participations"])
    ]

    def cycles(seen: dict[str, object]) -> list[object]:
        participations = seen["participations"]
        assert isinstance(participations, list)
        return [p["journey_id"] for p in participations]

    for reader in (c.candidate, c.expert, c.office, c.auditor):
        assert cycles(await get(stack, reader, f"/enterprises/{firm}")) == [journey]
    for outsider in (other.candidate, other.expert):
        seen = await get(stack, outsider, f"/enterprises/{firm}")
        assert seen["name"] and cycles(seen) == []


async def test_an_expert_reads_the_journeys_they_supervise_not_another_experts(
    stack: Stack,
) -> None:
    c = await cast(stack)
    first = await enrolled(stack, c)
    await post(stack, c.candidate, f"/journeys/{first}/withdrawal", {"reason": "moved away"})
    other = await cast(stack)  # another expert, whose workshop the candidate joins next
    body = {"trainer_id": c.candidate_id, "workshop_id": await workshop(stack, other)}
    second = (await post(stack, c.office, "/journeys", body))["journey_id"]
    path = f"/trainers/{c.candidate_id}/journeys"

    def ids(journeys: list[dict[str, str]]) -> set[str]:
        return {j["journey_id"] for j in journeys}

    assert ids(await get(stack, c.expert, path)) == {first}
    assert ids(await get(stack, other.expert, path)) == {second}
    assert ids(await get(stack, c.candidate, path)) == {first, second}
    assert ids(await get(stack, c.office, path)) == {first, second}
