"""The office's page of a person's login: reset it by a one-time password or an invitation,
deactivate it (the person can no longer log in) and activate it again."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from service.app.people_logins import Delivery
from service.http.deps import Services
from tests.pages.test_office_and_auditor_pages import caught_up, form_keys, found, logged_in
from tests.pages.test_pages_foundation import csrf_of
from tests.stories import Story, new_id

CARLA = "carla@example.org"


def carla_with_a_login(services: Services) -> str:
    story = Story(services.certification)
    carla = services.certification.register_trainer(
        "Carla Candidate", CARLA, "PE", story.hq, new_id(), story.later()
    ).state
    services.people_logins.give(
        carla.trainer_id, None, Delivery.ONE_TIME_PASSWORD, new_id(), datetime.now(UTC)
    )
    return carla.trainer_id


def logs_in(site: TestClient, username: str, password: str) -> bool:
    site.cookies.clear()
    login = site.get("/login")
    form = {"csrf": csrf_of(login.text), "username": username, "password": password}
    status: int = site.post("/login", data=form, follow_redirects=False).status_code
    return status == 303


def test_the_office_resets_a_login_and_the_person_logs_in_with_the_new_password(
    site: TestClient, services: Services
) -> None:
    carla = carla_with_a_login(services)
    caught_up(services)
    logged_in(site)
    people = site.get("/office/people", params={"q": "Carla"})
    assert f"/office/people/{carla}/login" in people.text
    page = site.get(f"/office/people/{carla}/login")
    assert page.status_code == 200 and "This login is active." in page.text
    sent = {**form_keys(page.text), "delivery": "one_time_password"}
    reset = site.post(f"/office/logins/{CARLA}/reset", data=sent)
    assert reset.status_code == 200, reset.text
    password = found(r'<code id="one-time-password">([^<]+)</code>', reset.text)
    assert password in site.post(f"/office/logins/{CARLA}/reset", data=sent).text  # twice: one
    assert logs_in(site, CARLA, password)


def test_a_reset_by_invitation_shows_a_link_that_expires(
    site: TestClient, services: Services
) -> None:
    carla = carla_with_a_login(services)
    logged_in(site)
    page = site.get(f"/office/people/{carla}/login")
    sent = {**form_keys(page.text), "delivery": "invitation"}
    reset = site.post(f"/office/logins/{CARLA}/reset", data=sent)
    link = html.unescape(found(r'<code id="invitation-link">([^<]+)</code>', reset.text))
    assert link.startswith("http://127.0.0.1/invitation?token=")


def test_a_deactivated_login_cannot_log_in_until_the_office_activates_it(
    site: TestClient, services: Services
) -> None:
    carla = carla_with_a_login(services)
    logged_in(site)
    page = site.get(f"/office/people/{carla}/login")
    reset = site.post(
        f"/office/logins/{CARLA}/reset",
        data={**form_keys(page.text), "delivery": "one_time_password"},
    )
    password = found(r'<code id="one-time-password">([^<]+)</code>', reset.text)
    page = site.get(f"/office/people/{carla}/login")
    off = site.post(f"/office/logins/{CARLA}/deactivation", data=form_keys(page.text))
    assert off.status_code == 200 and "This login is deactivated" in off.text
    assert not logs_in(site, CARLA, password)

    logged_in(site)
    page = site.get(f"/office/people/{carla}/login")
    on = site.post(f"/office/logins/{CARLA}/activation", data=form_keys(page.text))
    assert on.status_code == 200 and "This login is active." in on.text
    assert logs_in(site, CARLA, password)


def test_only_the_office_reaches_a_persons_login_page(site: TestClient, services: Services) -> None:
    carla = carla_with_a_login(services)
    logged_in(site)
    assert site.get("/office/people/no-such-person/login").status_code == 404
    staff = site.post(
        "/office/logins/office/deactivation",
        data=form_keys(site.get(f"/office/people/{carla}/login").text),
    )
    assert staff.status_code == 404  # staff logins are kept with `score users`
    given = services.people_logins.reset(
        CARLA, Delivery.ONE_TIME_PASSWORD, new_id(), datetime.now(UTC)
    )
    assert given.one_time_password and logs_in(site, CARLA, given.one_time_password)
    assert site.get(f"/office/people/{carla}/login").status_code == 403
