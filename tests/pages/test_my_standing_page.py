"""A certified trainer's standing page shows their clock by the policy in force: a version
that lengthens the inactivity period moves the day they would be delisted."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from domain.calendar import add_months
from domain.policies import PolicyTerms
from domain.values import Actor, Role
from service.app.policies import record_policy_version
from service.http.deps import Services
from service.http.pages.rendering import local_date
from tests.pages.test_office_and_auditor_pages import logged_in
from tests.pages.test_trainer_materials_page import a_certified_trainer_with_a_login
from tests.stories import new_id


def test_the_standing_page_counts_the_inactivity_period_and_reminders_of_the_version_in_force(
    site: TestClient, services: Services
) -> None:
    _, asha = a_certified_trainer_with_a_login(services)
    standing = services.certification.trainer(asha.user_id).standing
    assert standing is not None
    clock = standing.clock_started_at
    logged_in(site, "asha")
    by_default = site.get("/me/standing").text
    now = datetime.now(UTC)
    longer = PolicyTerms((10, 16), 60, inactive_after_months=18)
    office = Actor("office", Role.HQ)
    record_policy_version(
        services.certification, longer, now, "a longer year", office, new_id(), now
    )

    by_the_version = site.get("/me/standing").text

    assert local_date(add_months(clock, 12), "en") in by_default
    assert local_date(add_months(clock, 9), "en") in by_default
    assert local_date(add_months(clock, 18), "en") in by_the_version
    assert local_date(add_months(clock, 10), "en") in by_the_version
    assert local_date(add_months(clock, 12), "en") not in by_the_version
