"""A certified trainer's standing, on their page and over the JSON API, counts their clock by
the policy in force: a version that lengthens the inactivity period moves the day they would
be delisted."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from domain.calendar import add_months
from domain.policies import PolicyTerms
from domain.values import Actor, Role
from service.app.policies import record_policy_version
from service.http.deps import Services
from service.http.pages.rendering import local_date
from tests.pages.conftest import PASSWORD
from tests.pages.test_office_and_auditor_pages import caught_up, logged_in
from tests.pages.test_trainer_materials_page import a_certified_trainer_with_a_login
from tests.stories import new_id


def certified_asha(services: Services) -> tuple[Actor, datetime]:
    """Asha, certified with a login, and when her activity clock started."""
    _, asha = a_certified_trainer_with_a_login(services)
    standing = services.certification.trainer(asha.user_id).standing
    assert standing is not None
    return asha, standing.clock_started_at


def a_longer_year_from_now(services: Services) -> None:
    """A version from now on: delisted after 18 months, reminded at 10 and 16."""
    now = datetime.now(UTC)
    longer = PolicyTerms((10, 16), 60, inactive_after_months=18)
    office = Actor("office", Role.HQ)
    record_policy_version(
        services.certification, longer, now, "a longer year", office, new_id(), now
    )


def test_the_standing_page_counts_the_inactivity_period_and_reminders_of_the_version_in_force(
    site: TestClient, services: Services
) -> None:
    _, clock = certified_asha(services)
    logged_in(site, "asha")
    by_default = site.get("/me/standing").text
    a_longer_year_from_now(services)

    by_the_version = site.get("/me/standing").text

    assert local_date(add_months(clock, 12), "en") in by_default
    assert local_date(add_months(clock, 9), "en") in by_default
    assert local_date(add_months(clock, 18), "en") in by_the_version
    assert local_date(add_months(clock, 10), "en") in by_the_version
    assert local_date(add_months(clock, 12), "en") not in by_the_version


def test_the_standing_over_the_api_counts_inactivity_by_the_version_in_force(
    site: TestClient, services: Services
) -> None:
    asha, clock = certified_asha(services)
    a_longer_year_from_now(services)
    caught_up(services)
    token = site.post("/auth/token", data={"username": "asha", "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}

    read = site.get(f"/trainers/{asha.user_id}/standing", headers=bearer)

    assert read.status_code == 200, read.text
    inactive_from = datetime.fromisoformat(read.json()["inactive_from"])
    assert inactive_from == add_months(clock, 18)
