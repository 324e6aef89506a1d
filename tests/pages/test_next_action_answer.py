"""A journey's JSON answers say what comes next as data: the step, who, the enterprise by id
and name, and the day it is due. A step's answer and `GET /journeys/{id}` in one shape:
`next_step` the data, beside the `next_action` sentence (a string, as in every list of
journeys)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from babel.dates import format_date
from fastapi.testclient import TestClient

from domain.journey.state import EnterpriseProgress, JourneyState, Stage, ToECycle
from domain.values import Module, Role
from projections.projector import Projector
from service.http.deps import Services
from service.http.schemas import journey_body
from tests.pages.conftest import PASSWORD
from tests.pages.test_office_and_auditor_pages import logged_in
from tests.stories import Story

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STALL = timedelta(days=60)


def test_the_next_action_names_the_step_the_enterprise_and_the_due_day() -> None:
    state = JourneyState(
        journey_id="j1",
        trainer_id="t1",
        module=Module.WC,
        workshop_id="w1",
        expert_id="x1",
        enrolled_at=AT,
        last_step_at=AT,
        stage=Stage.TOE_CYCLE,
        cycle=ToECycle(1, (EnterpriseProgress("e1"),)),
    )
    body = journey_body(state, STALL, {"e1": "Faridabad Gears"})
    assert body["next_action"] == "baseline assessment of Faridabad Gears"
    assert body["next_step"] == {
        "who": "trainer",
        "what": "baseline assessment of Faridabad Gears",
        "step": "baseline_assessment",
        "enterprise_id": "e1",
        "enterprise_name": "Faridabad Gears",
        "due_on": "2026-05-01",  # 60 days after the last step
    }


def test_an_ended_journey_waits_for_nothing() -> None:
    state = JourneyState(
        journey_id="j1",
        trainer_id="t1",
        module=Module.WC,
        workshop_id="w1",
        expert_id="x1",
        enrolled_at=AT,
        last_step_at=AT,
        stage=Stage.WITHDRAWN,
    )
    body = journey_body(state, STALL)
    assert body["next_action"] == "nothing: the journey ended (withdrawn)"
    waiting = body["next_step"]
    assert waiting["who"] is None and waiting["step"] is None and waiting["due_on"] is None


def waiting_for_assessment(services: Services) -> tuple[JourneyState, date]:
    """A journey whose ToE cycle is complete, with logins for its expert (esther) and
    candidate (carla); and the last day before it is overdue."""
    story = Story(services.certification)
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.ready_to_assess(candidate, expert)
    Projector(services.certification, services.read_models).catch_up()
    services.accounts.create("esther", PASSWORD, Role.EXPERT, expert.user_id)
    services.accounts.create("carla", PASSWORD, Role.TRAINER, candidate.user_id)
    stall = timedelta(days=services.settings.stall_reminder_after_days)
    return journey, (journey.last_step_at + stall).date()


def test_reading_a_journey_says_what_it_waits_for_from_whom_and_by_when(
    site: TestClient, services: Services
) -> None:
    journey, due = waiting_for_assessment(services)
    office = services.accounts.authenticate("office", PASSWORD)
    assert office is not None
    token = services.accounts.issue_token(office)

    reply = site.get(
        f"/journeys/{journey.journey_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert reply.status_code == 200
    assert reply.json()["next_step"] == {
        "who": "expert",
        "what": "assess ToE cycle 1",
        "step": "assessment",
        "enterprise_id": None,
        "enterprise_name": None,
        "due_on": due.isoformat(),
    }
    assert reply.json()["next_action_by"] == "expert"  # the view's fields are all still there


def test_next_action_stays_the_sentence_on_one_journey_as_in_every_list_of_them(
    site: TestClient, services: Services
) -> None:
    journey, _ = waiting_for_assessment(services)
    office = services.accounts.authenticate("office", PASSWORD)
    assert office is not None
    bearer = {"Authorization": f"Bearer {services.accounts.issue_token(office)}"}

    one = site.get(f"/journeys/{journey.journey_id}", headers=bearer).json()
    listed = site.get("/journeys", headers=bearer).json()["items"]
    of_trainer = site.get(f"/trainers/{journey.trainer_id}/journeys", headers=bearer).json()
    assert one["next_action"] == "assess ToE cycle 1"
    assert [j["next_action"] for j in listed] == [one["next_action"]]
    assert [j["next_action"] for j in of_trainer] == [one["next_action"]]


def test_the_pages_say_the_same_as_the_answer_on_the_journey_worklist_and_my_journeys(
    site: TestClient, services: Services
) -> None:
    journey, due = waiting_for_assessment(services)

    logged_in(site, "esther")
    page = " ".join(site.get(f"/journey/{journey.journey_id}").text.split())
    day = format_date(due, format="long", locale="en")  # the story's clock is long past it
    assert f"Assess the ToE cycle — by the expert trainer, {overdue_since(day)}" in page
    worklist = site.get("/expert").text
    assert "Assess the ToE cycle — the expert trainer" in worklist
    site.cookies.clear()
    logged_in(site, "carla")
    assert "Assess the ToE cycle — the expert trainer" in site.get("/me").text


def overdue_since(day: str) -> str:
    return f'<span class="overdue">overdue since {day}</span>'
