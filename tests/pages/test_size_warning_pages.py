"""A size warning reads in the reader's language, as a refusal does: an expert reading French
selects an enterprise outside the SME range and reads why in French on the journey page, and
after registering one reads it on the registration page. A warning recorded before warnings
had a code is shown in its words as recorded: a past decision is never reworded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from fastapi.testclient import TestClient

from domain.journey.aggregate import Journey
from domain.journey.state import JourneyState
from domain.journey.steps import RecordToTResult, SelectEnterprise
from domain.recorded import created_fields
from domain.values import Actor, Module, Role
from service.app.certification import Certification
from service.app.ports import Steps
from service.http.deps import Services
from tests.pages.conftest import PASSWORD, StepsInTheApplication
from tests.pages.test_office_and_auditor_pages import caught_up, form_keys, logged_in
from tests.pages.test_send_it_again import form_as_shown
from tests.stories import BASELINE, Story, new_id

OLD_WORDS = "300 employees is outside the SCORE target of 50–250 (small and medium enterprises)."


@pytest.fixture
def steps_for() -> Callable[[Certification], Steps]:
    return StepsInTheApplication


def in_a_toe_cycle(services: Services) -> tuple[Story, JourneyState]:
    """A candidate in their first ToE cycle, supervised by an expert who logs in as
    `expert`."""
    story = Story(services.certification)
    expert = story.register_expert()
    candidate = story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    journey = story.step(journey, RecordToTResult(attended=True, completed=True), expert)
    services.accounts.create("expert", PASSWORD, Role.EXPERT, expert.user_id)
    return story, journey


def reading_french(site: TestClient) -> None:
    logged_in(site, "expert")
    site.headers["Accept-Language"] = "fr"


def test_an_expert_reading_french_selects_a_firm_outside_the_range_and_reads_why_in_french(
    site: TestClient, services: Services
) -> None:
    story, journey = in_a_toe_cycle(services)
    story.register_enterprise(employees=300)
    caught_up(services)  # the form offers the enterprises of the read models
    reading_french(site)
    page = site.get(f"/journey/{journey.journey_id}")
    form = form_as_shown(page.text, title="title-select_enterprise")

    chosen = site.post(f"/journey/{journey.journey_id}/steps/select_enterprise", data=form)

    assert chosen.status_code == 200, chosen.text
    assert "Recorded:" not in chosen.text and 'class="warning"' in chosen.text
    assert "300 salariés" in chosen.text
    assert "en dehors de la cible de SCORE, de 50 à 250" in chosen.text
    assert "version 0 de la politique" in chosen.text
    assert "outside the SCORE target" not in chosen.text


def test_a_selection_recorded_before_warnings_had_a_code_shows_its_words_as_recorded(
    site: TestClient, services: Services
) -> None:
    story, journey = in_a_toe_cycle(services)
    enterprise_id = story.register_enterprise(employees=300)
    selected_as_before_codes(services.certification, journey, enterprise_id, story.later())
    cycle = services.certification.journey(journey.journey_id).cycle
    assert cycle is not None and cycle.enterprises[0].size_warning is not None
    assert cycle.enterprises[0].size_warning.code is None, "no code: read as recorded"
    reading_french(site)

    page = site.get(f"/journey/{journey.journey_id}")

    assert page.status_code == 200
    assert OLD_WORDS in page.text and "salariés" not in page.text


def test_an_expert_registers_a_firm_outside_the_range_and_reads_the_warning_in_french(
    site: TestClient, services: Services
) -> None:
    in_a_toe_cycle(services)
    reading_french(site)
    form = site.get("/register-enterprise")
    firm = {"name": "Tannerie du Val", "country": "IN", "sector": "cuir", "employees": "30"}

    registered = site.post(
        "/register-enterprise", data={**form_keys(form.text), **firm, "women_employees": "9"}
    )

    assert registered.status_code == 200, registered.text
    assert "Tannerie du Val" in registered.text
    assert "30 salariés" in registered.text and "de 50 à 250" in registered.text


def selected_as_before_codes(
    app: Certification, journey: JourneyState, enterprise_id: str, at: datetime
) -> None:
    """The selection as the release before codes stored it: class version 2, its warning in
    English words."""
    journey_id = UUID(journey.journey_id)
    candidate = Actor(journey.trainer_id, Role.TRAINER)
    state = app.mapper.transcoder.encode(
        {
            **created_fields(candidate, new_id(), at.astimezone(UTC)),
            "enterprise_id": enterprise_id,
            "size_warning": OLD_WORDS,
            "class_version": 2,
        }
    )
    version = len(list(app.events.get(journey_id))) + 1
    topic = get_topic(Journey.EnterpriseSelected)
    app.recorder.insert_events([StoredEvent(journey_id, version, topic, state)])


def test_the_api_answers_a_warning_with_its_english_sentence_its_code_and_its_params(
    site: TestClient, services: Services
) -> None:
    story, journey = in_a_toe_cycle(services)
    expert = services.accounts.authenticate("expert", PASSWORD)
    assert expert is not None
    bearer = {"Authorization": f"Bearer {services.accounts.issue_token(expert)}"}
    enterprise_id = story.register_enterprise(employees=300)
    expected = {
        "detail": "300 employees is outside the SCORE target of 50–250 "
        "(small and medium enterprises; policy version 0).",
        "code": "enterprise_outside_sme_size",
        "params": {
            "employees": 300,
            "min_employees": 50,
            "max_employees": 250,
            "policy_version": 0,
        },
    }

    chosen = site.post(
        f"/journeys/{journey.journey_id}/enterprises",
        json={"enterprise_id": enterprise_id},
        headers={**bearer, "Idempotency-Key": new_id()},
    )

    assert chosen.status_code == 200, chosen.text
    (progress,) = chosen.json()["cycle"]["enterprises"]
    assert progress["size_warning"] == expected
    caught_up(services)
    registered = site.get(f"/enterprises/{enterprise_id}", headers=bearer)
    assert registered.json()["size_warning"] == expected


def test_the_api_answers_a_warning_recorded_as_text_with_its_words_and_no_code(
    site: TestClient, services: Services
) -> None:
    story, journey = in_a_toe_cycle(services)
    enterprise_id = story.register_enterprise(employees=300)
    selected_as_before_codes(services.certification, journey, enterprise_id, story.later())
    expert = services.accounts.authenticate("expert", PASSWORD)
    assert expert is not None
    bearer = {"Authorization": f"Bearer {services.accounts.issue_token(expert)}"}
    baseline = {"enterprise_id": enterprise_id, "visited_on": str(story.now.date())}

    answer = site.post(
        f"/journeys/{journey.journey_id}/baseline-assessments",
        json={**baseline, "indicators": BASELINE},
        headers={**bearer, "Idempotency-Key": new_id()},
    )

    assert answer.status_code == 200, answer.text
    (progress,) = answer.json()["cycle"]["enterprises"]
    assert progress["size_warning"] == {"detail": OLD_WORDS, "code": None, "params": {}}


def test_the_auditor_reads_a_selections_warning_in_the_steps_as_recorded_then(
    site: TestClient, services: Services
) -> None:
    story, journey = in_a_toe_cycle(services)
    enterprise_id = story.register_enterprise(employees=300)
    candidate = Actor(journey.trainer_id, Role.TRAINER)
    story.step(journey, SelectEnterprise(enterprise_id), candidate)
    logged_in(site)  # the office reads the audit pages too
    site.headers["Accept-Language"] = "fr"

    page = site.get(f"/auditor/trainers/{journey.trainer_id}", params={"at": "2026-12-31"})

    assert page.status_code == 200, page.text
    shown = page.text.split('class="views"')[1]  # both views: as recorded, as in effect
    assert shown.count("Avertissement sur la taille: Un effectif de 300 salariés") == 2
