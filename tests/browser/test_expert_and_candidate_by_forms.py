"""An expert takes a candidate through a whole ToE cycle by forms alone; a candidate records a
coaching visit by form; a form sent twice writes once. In headless Chromium, every page checked
by axe-core."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from playwright.async_api import expect

from tests.browser.harness import Browsing
from tests.e2e.people import Cast, cast, enrolled, enterprise, post

TODAY = date.today()


async def open_journey_from_worklist(browsing: Browsing, candidate_name: str) -> None:
    await browsing.page.goto("/expert")
    await expect(browsing.page.get_by_role("heading", level=1)).to_have_text("My worklist")
    await browsing.page.get_by_role("link", name=candidate_name).click()
    await expect(browsing.page.get_by_role("heading", level=1)).to_contain_text(candidate_name)


async def candidate_name(browsing: Browsing, people: Cast) -> str:
    profile = browsing.site.services.certification.trainer(people.candidate_id)
    return profile.name


@pytest.mark.timeout(240)  # a whole ToE cycle, eleven pages, each checked by axe-core
async def test_an_expert_takes_a_candidate_through_a_toe_cycle_by_forms_and_sees_a_refusal(
    browsing: Browsing,
) -> None:
    site, page = browsing.site, browsing.page
    people = await cast(site)
    await enrolled(site, people)
    name = await candidate_name(browsing, people)

    await browsing.log_in(people.expert)
    await open_journey_from_worklist(browsing, name)
    await browsing.check_accessible()

    tot = page.get_by_role("form", name=re.compile("^Record the ToT workshop result"))
    await tot.get_by_label("Attended and completed").check()
    await tot.get_by_role("button", name="Record the ToT workshop result").click()
    await expect(page.get_by_role("status")).to_contain_text("Recorded")
    await expect(page.get_by_role("heading", name="ToE cycle 1")).to_be_visible()

    # The enterprise is registered from the journey's own form, and the page comes back.
    await page.get_by_role("link", name="Register an enterprise").last.click()
    await browsing.check_accessible()
    await page.get_by_label("Name", exact=True).fill("Faridabad Gears")
    await page.get_by_label("Country").fill("India")
    await page.get_by_label("Sector").fill("auto components")
    await page.get_by_label("Employees").fill("120")
    await page.get_by_label("Of whom women").fill("30")
    await page.get_by_role("button", name="Register").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(name)

    selection = page.get_by_role("form", name=re.compile("^Select an enterprise"))
    await selection.get_by_label("Enterprise").select_option(
        label="Faridabad Gears (India, 120 employees)"
    )
    await selection.get_by_role("button", name="Select an enterprise").click()
    await expect(page.get_by_role("status")).to_contain_text("Recorded")

    baseline = page.get_by_role("form", name=re.compile("^Record a baseline assessment"))
    await baseline.get_by_label("Visited on").fill((TODAY - timedelta(days=2)).isoformat())
    await baseline.get_by_label("Productivity").fill("100")
    await baseline.get_by_label("Defects").fill("8")
    await baseline.get_by_role("button", name="Record a baseline assessment").click()
    await expect(page.get_by_role("status")).to_contain_text("Recorded")

    # More women than participants: refused beside the form, in the rule's words, kept typed.
    events = site.events()
    classroom = page.get_by_role("form", name=re.compile("^Record the classroom workshop"))
    await classroom.get_by_label("Held on").fill((TODAY - timedelta(days=1)).isoformat())
    await classroom.get_by_label("Managers").fill("6")
    await classroom.get_by_label("Workers").fill("14")
    await classroom.get_by_label("Of whom women").fill("30")
    await classroom.get_by_role("button", name="Record the classroom workshop").click()
    refused = page.get_by_role("form", name=re.compile("^Record the classroom workshop"))
    await expect(refused.get_by_role("alert")).to_contain_text(
        "30 women cannot be more than the 20 participants"
    )
    await expect(refused.get_by_label("Managers")).to_have_value("6")
    assert site.events() == events, "a refused step wrote an event"
    await browsing.check_accessible()
    await browsing.keep_screenshot("journey-refusal")
    await refused.get_by_label("Of whom women").fill("7")
    await refused.get_by_role("button", name="Record the classroom workshop").click()
    await expect(page.get_by_role("status")).to_contain_text("Recorded")

    visit = page.get_by_role("form", name=re.compile("^Record a coaching visit"))
    await visit.get_by_label("Visited on").fill(TODAY.isoformat())
    await visit.get_by_label("Notes").fill("5S on the shop floor")
    await visit.get_by_role("button", name="Record a coaching visit").click()
    await expect(page.get_by_role("status")).to_contain_text("Recorded")

    report = page.get_by_role("form", name=re.compile("^Report progress"))
    await report.get_by_label("Productivity").fill("118")
    await report.get_by_label("Defects").fill("5")
    await report.get_by_role("button", name="Report progress").click()
    await expect(page.get_by_role("status")).to_contain_text("Recorded")

    assessment = page.get_by_role("form", name=re.compile("^Assess the ToE cycle"))
    await assessment.get_by_label("Recommended", exact=True).check()
    await assessment.get_by_role("button", name="Assess the ToE cycle").click()
    await expect(page.get_by_role("status")).to_contain_text("Recorded")
    await expect(page.get_by_text("Recommended, waiting for certification").first).to_be_visible()
    await expect(page.get_by_text("ToE cycle assessed")).to_be_visible()
    await browsing.check_accessible()
    await browsing.keep_screenshot("journey")

    await page.goto("/expert")
    await browsing.check_accessible()
    await browsing.keep_screenshot("worklist")


async def test_a_candidate_records_a_coaching_visit_by_form(browsing: Browsing) -> None:
    site, page = browsing.site, browsing.page
    people = await cast(site)
    journey = await enrolled(site, people)
    base = f"/journeys/{journey}"
    yesterday = TODAY - timedelta(days=1)
    await post(site, people.expert, f"{base}/tot-result", {"attended": True, "completed": True})
    firm = await enterprise(site, people.candidate)
    await post(site, people.candidate, f"{base}/enterprises", {"enterprise_id": firm})
    await post(
        site,
        people.candidate,
        f"{base}/baseline-assessments",
        {
            "enterprise_id": firm,
            "visited_on": yesterday.isoformat(),
            "indicators": {"productivity": 90},
        },
    )
    await post(
        site,
        people.candidate,
        f"{base}/classroom-workshop",
        {"held_on": yesterday.isoformat(), "managers": 4, "workers": 10, "women": 5},
    )

    await browsing.log_in(people.candidate)
    await page.goto("/me")
    await expect(
        page.get_by_role("cell", name=re.compile("Record a coaching visit"))
    ).to_be_visible()
    await browsing.check_accessible()
    await browsing.keep_screenshot("my-journeys")
    await page.get_by_role("link", name=re.compile("^WC")).click()

    # In Spanish, a visit dated before the classroom workshop is refused in Spanish, with the
    # dates as a Spanish reader writes them: the refusal's code and dates crossed Temporal.
    await page.get_by_label("Language").select_option("es")
    await page.get_by_role("button", name="Change").click()
    early = page.get_by_role("form", name=re.compile("^Registrar una visita de acompañamiento"))
    three_days_ago = TODAY - timedelta(days=3)
    await early.get_by_label("Visitada el").fill(three_days_ago.isoformat())
    await early.get_by_role("button", name="Registrar una visita de acompañamiento").click()
    refused = page.get_by_role("form", name=re.compile("^Registrar una visita de acompañamiento"))
    visited, held = (format_date(d, "long", locale="es") for d in (three_days_ago, yesterday))
    await expect(refused.get_by_role("alert")).to_contain_text(
        f"Una visita de acompañamiento con fecha {visited} sería anterior al taller en aula "
        f"del {held}"
    )
    await browsing.check_accessible()
    await page.get_by_label("Idioma").select_option("en")
    await page.get_by_role("button", name="Cambiar").click()

    visit = page.get_by_role("form", name=re.compile("^Record a coaching visit"))
    await visit.get_by_label("Visited on").fill(TODAY.isoformat())
    await visit.get_by_label("Notes").fill("Worker-manager committee met")
    await visit.get_by_role("button", name="Record a coaching visit").click()
    await expect(page.get_by_role("status")).to_contain_text("Recorded: Record a coaching visit")
    await expect(page.get_by_text("Coaching visit recorded")).to_be_visible()
    await expect(page.get_by_text("Worker-manager committee met")).to_be_visible()
    await browsing.check_accessible()


async def test_a_form_sent_twice_writes_once(browsing: Browsing) -> None:
    site, page = browsing.site, browsing.page
    people = await cast(site)
    journey = await enrolled(site, people)
    await browsing.log_in(people.expert)
    await page.goto(f"/journey/{journey}")
    form = page.get_by_role("form", name=re.compile("^Record the ToT workshop result"))
    await form.get_by_label("Attended and completed").check()
    fields: dict[str, str | float | bool] = {
        name: await form.locator(f"input[name={name}]").first.get_attribute("value") or ""
        for name in ("csrf", "form_key")
    }
    fields["result"] = "completed"
    action = f"/journey/{journey}/steps/tot_result"

    before = site.events()
    first = await page.request.post(action, form=fields, max_redirects=0)
    again = await page.request.post(action, form=fields, max_redirects=0)
    assert first.status == again.status == 303
    assert first.headers["location"] == again.headers["location"]
    assert site.events() == before + 1, "the form sent twice wrote twice"

    # Sent once more from the page itself, the same form is recognised as already sent.
    await form.get_by_role("button", name="Record the ToT workshop result").click()
    await expect(page.get_by_role("status")).to_contain_text("Recorded")
    assert site.events() == before + 1
