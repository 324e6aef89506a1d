"""The forms that change what is on record: a recorded step corrected from the journey page,
past records imported from a CSV file, a person's personal data erased. Each form sent twice
writes once; a refusal is shown beside it and writes nothing; only who may sees it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from domain.journey.state import JourneyState
from domain.journey.steps import RecordCoachingVisit, Withdraw
from domain.trainer.state import TrainerState
from domain.values import Actor, Role
from service.bootstrap.api import build_services, close_services
from service.http.deps import Services
from service.http.main import create_app
from service.http.pages.site import install_pages
from service.settings import Settings
from tests.migrated import migrated
from tests.pages.conftest import PASSWORD, SECRET, StepsInTheApplication
from tests.pages.test_office_and_auditor_pages import form_keys, logged_in
from tests.pages.test_pages_foundation import csrf_of
from tests.stories import Story


@pytest.fixture
def stepping(tmp_path: Path) -> Iterator[tuple[TestClient, Services]]:
    settings = migrated(
        Settings(data_dir=tmp_path / "data", argon2_memory_kib=1024, argon2_time_cost=1)
    )
    services = build_services(settings, StepsInTheApplication)
    services.accounts.create("office", PASSWORD, Role.HQ, None)
    app = create_app(services)
    install_pages(app, services.settings, SECRET)
    try:
        with TestClient(app, base_url="http://127.0.0.1") as client:
            yield client, services
    finally:
        close_services(services)


def _events(services: Services, aggregate_id: str) -> list[str]:
    return [type(e).__name__ for e in services.certification.events.get(UUID(aggregate_id))]


def _journey_with_a_visit(services: Services) -> tuple[Story, Actor, JourneyState, int]:
    story = Story(services.certification, start=datetime(2026, 1, 5, 9, tzinfo=UTC))
    expert, asha = story.register_expert(), story.register_candidate("Asha Rao")
    journey = story.ready_to_assess(asha, expert)
    services.accounts.create("esther", PASSWORD, Role.EXPERT, expert.user_id)
    services.accounts.create("asha", PASSWORD, Role.TRAINER, asha.user_id)
    (visit,) = [r.version for r in journey.recorded if isinstance(r.step, RecordCoachingVisit)]
    return story, expert, journey, visit


def _visited_on(services: Services, journey_id: str, version: int) -> str:
    recorded = services.certification.journey(journey_id).recorded_step(version)
    assert recorded and isinstance(recorded.step, RecordCoachingVisit)
    return recorded.step.visited_on.isoformat()


def test_the_expert_corrects_a_visits_date_once_though_the_form_is_sent_twice(
    stepping: tuple[TestClient, Services],
) -> None:
    site, services = stepping
    _, _, journey, visit = _journey_with_a_visit(services)
    wrong = _visited_on(services, journey.journey_id, visit)
    right = (datetime.fromisoformat(wrong) - timedelta(days=1)).date().isoformat()
    logged_in(site, "esther")
    page = site.get(f"/journey/{journey.journey_id}")
    assert f'id="form-correct-{visit}"' in page.text
    sent = {**form_keys(page.text), "step_version": str(visit), "visited_on": right}
    sent["reason"] = "The visit was a day earlier."
    path = f"/journey/{journey.journey_id}/corrections"
    for _ in range(2):
        answer = site.post(path, data=sent)
        assert answer.status_code == 200 and "The correction is recorded." in answer.text
    assert _visited_on(services, journey.journey_id, visit) == right
    assert _events(services, journey.journey_id).count("StepAmended") == 1


def test_a_correction_breaking_a_rule_or_after_the_journey_ended_is_shown_and_writes_nothing(
    stepping: tuple[TestClient, Services],
) -> None:
    site, services = stepping
    story, _, journey, visit = _journey_with_a_visit(services)
    logged_in(site)
    keys = form_keys(site.get(f"/journey/{journey.journey_id}").text)
    before = _events(services, journey.journey_id)
    future = {**keys, "step_version": str(visit), "visited_on": "2099-01-01", "reason": "typo"}
    refused = site.post(f"/journey/{journey.journey_id}/corrections", data=future)
    assert refused.status_code == 422, refused.text  # dated_in_the_future
    assert 'class="refusal"' in refused.text and 'value="2099-01-01"' in refused.text

    keys = form_keys(site.get(f"/journey/{journey.journey_id}").text)
    story.step(journey, Withdraw("moved abroad"), story.hq)
    ended = {**keys, "step_version": str(visit), "notes": "late note", "reason": "typo"}
    late = site.post(f"/journey/{journey.journey_id}/corrections", data=ended)
    assert late.status_code == 409 and "can no longer be corrected" in late.text
    assert _events(services, journey.journey_id) == [*before, "Withdrawn"]


def test_an_auditor_has_no_correction_form_and_is_refused_one(
    stepping: tuple[TestClient, Services],
) -> None:
    site, services = stepping
    _, _, journey, visit = _journey_with_a_visit(services)
    services.accounts.create("ines", PASSWORD, Role.AUDITOR, None)
    logged_in(site, "ines")
    page = site.get(f"/journey/{journey.journey_id}")
    assert "form-correct-" not in page.text
    sent = {"csrf": csrf_of(page.text), "form_key": "k", "step_version": str(visit)}
    sent |= {"notes": "x", "reason": "typo"}
    assert site.post(f"/journey/{journey.journey_id}/corrections", data=sent).status_code == 403


TRAINERS = (
    "name,email,country,registered_on,expert\nPriya Past,priya@example.org,IN,2019-03-01,no\n"
)


def _import(site: TestClient, text: str, dry_run: bool, keys: dict[str, str]) -> str:
    data = {**keys, "kind": "trainers", **({"dry_run": "yes"} if dry_run else {})}
    answer = site.post("/office/imports", data=data, files={"file": ("t.csv", text, "text/csv")})
    assert answer.status_code == 200, answer.text
    page: str = answer.text
    return page


def _dd(page: str, name: str) -> str:
    return page.split(f'<dd id="{name}">', 1)[1].split("<", 1)[0]


def test_the_office_checks_then_imports_a_file_and_sending_it_twice_writes_once(
    site: TestClient, services: Services
) -> None:
    logged_in(site)
    page = site.get("/office/imports")
    assert page.status_code == 200 and '<a href="/office/imports">' in page.text
    checked = _import(site, TRAINERS, True, form_keys(page.text))
    assert "Dry run report" in checked and _dd(checked, "written") == "1"
    assert services.certification.trainer_by_email("priya@example.org") is None

    keys = form_keys(site.get("/office/imports").text)
    assert _dd(_import(site, TRAINERS, False, keys), "written") == "1"
    resent = _import(site, TRAINERS, False, keys)  # the same form: the same answer
    assert _dd(resent, "written") == "1" and _dd(resent, "already") == "0"
    other = TRAINERS.replace("2019-03-01", "2019-03-02")  # same size, another file
    data = {**keys, "kind": "trainers"}
    files = {"file": ("t.csv", other, "text/csv")}
    assert site.post("/office/imports", data=data, files=files).status_code == 409
    again = _import(site, TRAINERS, False, form_keys(site.get("/office/imports").text))
    assert _dd(again, "written") == "0" and _dd(again, "already") == "1"


def test_a_file_with_a_problem_is_reported_by_row_and_column_and_writes_nothing(
    site: TestClient, services: Services
) -> None:
    logged_in(site)
    bad = TRAINERS + "Nadia No-Date,nadia@example.org,IN,someday,no\n"
    report = _import(site, bad, False, form_keys(site.get("/office/imports").text))
    problems = report.split('<table id="problems">', 1)[1]
    assert "<td>3</td><td>registered_on</td>" in problems
    assert services.certification.trainer_by_email("priya@example.org") is None


def test_only_headquarters_imports_and_erases(site: TestClient, services: Services) -> None:
    story = Story(services.certification)
    asha = story.register_candidate("Asha Rao")
    services.accounts.create("ines", PASSWORD, Role.AUDITOR, None)
    logged_in(site, "ines")
    assert site.get("/office/imports").status_code == 403
    assert site.get(f"/office/people/{asha.user_id}/erasure").status_code == 403
    csrf = csrf_of(site.get("/office/people").text)
    sent = {"csrf": csrf, "form_key": "k", "trainer_id": asha.user_id, "reason": "asked"}
    assert site.post(f"/office/people/{asha.user_id}/erasure", data=sent).status_code == 403
    assert services.certification.trainer(asha.user_id).name == "Asha Rao"


def _erasure_form(site: TestClient, trainer: TrainerState) -> dict[str, str]:
    page = site.get(f"/office/people/{trainer.trainer_id}/erasure")
    assert page.status_code == 200 and "This cannot be undone." in page.text
    return form_keys(page.text)


def test_the_office_erases_a_person_once_the_form_names_them_again(
    site: TestClient, services: Services
) -> None:
    story = Story(services.certification)
    asha = services.certification.trainer(story.register_candidate("Asha Rao").user_id)
    logged_in(site)
    login_page = site.get(f"/office/people/{asha.trainer_id}/login")
    assert f"/office/people/{asha.trainer_id}/erasure" in login_page.text
    path = f"/office/people/{asha.trainer_id}/erasure"

    unconfirmed = {**_erasure_form(site, asha), "trainer_id": "someone else", "reason": "asked"}
    refused = site.post(path, data=unconfirmed)
    assert refused.status_code == 422 and "does not name this person" in refused.text
    assert services.certification.trainer(asha.trainer_id).name == "Asha Rao"

    sent = {**_erasure_form(site, asha), "trainer_id": asha.trainer_id, "reason": "Her request"}
    for _ in range(2):
        erased = site.post(path, data=sent)
        assert erased.status_code == 200 and "personal data are erased" in erased.text
    assert services.certification.trainer(asha.trainer_id).erased
    assert _events(services, asha.trainer_id).count("PersonalDataErased") == 1
