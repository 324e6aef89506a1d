"""The office's action pages by form: ToT workshops (schedule, enrol, reschedule, cancel) and a
person's page (edit the details, merge two records, move a candidate to another expert).
Each form writes once if sent twice, shows a refusal beside itself and writes nothing then,
and is refused to anyone but the office (a country office: outside its countries)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from domain.errors import NotFound
from domain.values import Actor, Module, Role
from service.app.certification import Certification
from service.app.ports import Steps
from service.http.deps import Services
from tests.pages.conftest import PASSWORD, StepsInTheApplication
from tests.pages.test_office_and_auditor_pages import caught_up, form_keys, logged_in
from tests.pages.test_pages_foundation import csrf_of
from tests.stories import Story, new_id


@pytest.fixture
def steps_for() -> Callable[[Certification], Steps]:
    return StepsInTheApplication


def events(services: Services) -> int:
    return services.certification.recorder.max_notification_id() or 0


def opened(site: TestClient, services: Services, path: str) -> str:
    """A page once the read models hold every write so far (its lists read them)."""
    caught_up(services)
    answer = site.get(path)
    assert answer.status_code == 200, answer.text
    return str(answer.text)


def refusal_of(page: str) -> str:
    found = re.search(r'<div class="refusal" role="alert" id="refusal">(.*?)</div>', page, re.S)
    assert found, "no refusal on the page"
    return html.unescape(found[1])


def sent_twice(
    site: TestClient, services: Services, form_page: str, action: str, fields: dict[str, str]
) -> str:
    """A form of `form_page` sent twice (a double click): answered alike, written once; the
    page it leads to."""
    sent = {**form_keys(opened(site, services, form_page)), **fields}
    first = site.post(action, data=sent, follow_redirects=False)
    written = events(services)
    second = site.post(action, data=sent, follow_redirects=False)
    assert first.status_code == second.status_code == 303, first.text
    assert first.headers["location"] == second.headers["location"]
    assert events(services) == written
    return str(first.headers["location"])


def refused(
    site: TestClient,
    services: Services,
    form_page: str,
    action: str,
    fields: dict[str, str],
    status: int,
    language: str = "en",
) -> str:
    """A form of `form_page` refused: the refusal on the page, nothing written; its text."""
    before = events(services)
    sent = {**form_keys(opened(site, services, form_page)), **fields}
    answer = site.post(action, data=sent, headers={"Accept-Language": language})
    assert answer.status_code == status, answer.text
    assert events(services) == before
    return refusal_of(answer.text)


def plan(expert_id: str) -> dict[str, str]:
    """A workshop a month from now."""
    starts = date.today() + timedelta(days=30)
    return {
        "module": "WC",
        "code": "IND-WC-2027-01",
        "starts_on": starts.isoformat(),
        "ends_on": (starts + timedelta(days=4)).isoformat(),
        "venue": "Faridabad",
        "country": "IN",
        "expert_id": expert_id,
    }


def test_a_workshop_scheduled_by_a_form_sent_twice_is_scheduled_once(
    site: TestClient, services: Services
) -> None:
    expert = Story(services.certification).register_expert("Esther Expert")
    logged_in(site)
    assert "Esther Expert (IN)" in opened(site, services, "/office/workshops")  # offered
    listed = "/office/workshops"
    workshop = sent_twice(site, services, listed, listed, plan(expert.user_id))
    assert "ToT workshop IND-WC-2027-01" in opened(site, services, workshop)

    again = refused(site, services, listed, listed, plan(expert.user_id), 409)
    assert "A WC workshop IND-WC-2027-01 already exists." in again


def test_a_candidate_enrolled_by_form_once_keeps_the_workshop_from_being_cancelled(
    site: TestClient, services: Services
) -> None:
    story = Story(services.certification)
    expert = story.register_expert()
    candidate = story.register_candidate("Carla Candidate")
    logged_in(site)
    listed = "/office/workshops"
    workshop = sent_twice(site, services, listed, listed, plan(expert.user_id))
    assert "Carla Candidate" in opened(site, services, workshop)  # the candidates offered

    enrol = {"trainer_id": candidate.user_id, "backdated_reason": ""}
    sent_twice(site, services, workshop, f"{workshop}/enrolment", enrol)
    assert len(services.certification.trainer(candidate.user_id).open_journeys) == 1

    cancel = {"reason": "Too few candidates"}
    said = refused(site, services, workshop, f"{workshop}/cancellation", cancel, 409, "fr")
    assert "1 candidat(s) sont inscrits à l'atelier IND-WC-2027-01" in said  # in French


def test_a_workshop_is_rescheduled_once_and_cancelled_when_nobody_is_enrolled(
    site: TestClient, services: Services
) -> None:
    expert = Story(services.certification).register_expert()
    logged_in(site)
    listed = "/office/workshops"
    workshop = sent_twice(site, services, listed, listed, plan(expert.user_id))
    move = {"venue": "Pune", "reason": "Venue flooded", "starts_on": "", "ends_on": ""}
    sent_twice(site, services, workshop, f"{workshop}/reschedule", move)  # dates left empty
    assert services.certification.workshop(workshop.rsplit("/", 1)[1]).plan.venue == "Pune"

    no_reason = {"reason": ""}
    assert "Check the fields below." in refused(
        site, services, workshop, f"{workshop}/cancellation", no_reason, 422
    )
    cancel = {"reason": "Too few candidates"}
    sent_twice(site, services, workshop, f"{workshop}/cancellation", cancel)
    assert "Cancelled: Too few candidates" in opened(site, services, workshop)


def test_the_office_edits_a_person_once_and_is_refused_an_e_mail_another_holds(
    site: TestClient, services: Services
) -> None:
    story = Story(services.certification)
    carla = story.register_candidate("Carla Candidate")
    other = services.certification.trainer(story.register_candidate("Other Person").user_id)
    logged_in(site)
    path = f"/office/people/{carla.user_id}"
    sent_twice(site, services, path, f"{path}/details", {"name": "Carla Candidata", "email": ""})
    assert "Carla Candidata" in opened(site, services, path)

    taken = {"name": "", "email": other.email}
    said = refused(site, services, path, f"{path}/details", taken, 409)
    assert f"The e-mail {other.email} belongs to another trainer" in said


def test_the_office_merges_two_records_of_one_person_once(
    site: TestClient, services: Services
) -> None:
    story = Story(services.certification)
    kept, twin = story.register_candidate("Asha Rao"), story.register_candidate("Asha Rao")
    logged_in(site)
    path = f"/office/people/{kept.user_id}"
    sent_twice(
        site, services, path, f"{path}/merge", {"merged_id": twin.user_id, "reason": "Twice"}
    )
    assert services.certification.trainer(twin.user_id).trainer_id == kept.user_id

    itself = {"merged_id": kept.user_id, "reason": "Again"}
    said = refused(site, services, path, f"{path}/merge", itself, 409)
    assert "cannot be merged into itself" in said


def test_the_office_moves_a_candidate_to_another_expert_once(
    site: TestClient, services: Services
) -> None:
    story = Story(services.certification)
    first_expert, next_expert = story.register_expert("Esther"), story.register_expert("Ravi")
    candidate = story.register_candidate("Carla Candidate")
    logged_in(site)
    listed = "/office/workshops"
    workshop = sent_twice(site, services, listed, listed, plan(first_expert.user_id))
    enrol = {"trainer_id": candidate.user_id}
    sent_twice(site, services, workshop, f"{workshop}/enrolment", enrol)
    (journey_id,) = services.certification.trainer(candidate.user_id).open_journeys.values()
    path = f"/office/people/{candidate.user_id}"
    assert "Expert trainer now: Esther" in opened(site, services, path)

    action = f"/office/journeys/{journey_id}/expert"
    move = {"expert_id": next_expert.user_id, "reason": "Retired"}
    sent_twice(site, services, path, action, move)
    assert "Expert trainer now: Ravi" in opened(site, services, path)

    said = refused(site, services, path, action, {**move, "reason": "Again"}, 409, "es")
    assert "Ravi ya supervisa este itinerario." in said  # named, in Spanish


def test_only_the_office_reaches_the_action_pages_and_a_country_office_its_countries(
    site: TestClient, services: Services
) -> None:
    story = Story(services.certification)
    carla = story.register_candidate("Carla Candidate")
    services.accounts.create("carla", PASSWORD, Role.TRAINER, carla.user_id)
    services.accounts.create("peru-office", PASSWORD, Role.HQ, None, "PE")
    path = f"/office/people/{carla.user_id}"
    before = events(services)

    def edited_as(username: str) -> int:
        site.cookies.clear()
        logged_in(site, username)
        keys = {"csrf": csrf_of(site.get("/").text), "form_key": "k1"}
        edit = {**keys, "name": "Someone Else", "email": ""}
        return int(site.post(f"{path}/details", data=edit).status_code)

    assert edited_as("carla") == 403
    assert site.get(path).status_code == 403
    assert site.get("/office/workshops").status_code == 403
    assert edited_as("peru-office") == 404  # India's: as if there were no such person
    assert site.get(path).status_code == 404
    assert events(services) == before


def test_a_country_office_neither_reads_nor_moves_what_lies_in_another_country(
    site: TestClient, services: Services
) -> None:
    story = Story(services.certification)
    expert, carla = story.register_expert("Esther"), story.register_candidate("Carla Candidate")
    journey = story.enrol(carla, Module.WC, expert)
    app, peru = services.certification, Actor("peru-office", Role.HQ, ("PE",))
    lima = app.register_trainer(
        "Luis Lima", "luis@example.org", "PE", peru, new_id(), story.later()
    )
    services.accounts.create("peru-office", PASSWORD, Role.HQ, None, "PE")
    logged_in(site, "peru-office")
    before = events(services)

    assert site.get(f"/journey/{journey.journey_id}").status_code == 404  # India's journey
    with pytest.raises(NotFound):  # an Indian record merged into a Peruvian one
        app.merge_trainers(lima.state.trainer_id, carla.user_id, "x", peru, new_id(), story.now)
    assert events(services) == before
