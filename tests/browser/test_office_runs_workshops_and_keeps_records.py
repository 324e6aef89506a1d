"""The programme office at work by forms alone: it schedules a ToT workshop, enrols a
registered candidate and brings the workshop forward; moves the candidate's journey to another
expert when the first one leaves; corrects a recorded step with its reason and reads the
correction in the journey's timeline; imports past trainers from a CSV file and finds them;
erases a person's personal data. In headless Chromium, every page checked by axe-core; the
journey's steps go through its Temporal workflow."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from playwright.async_api import FilePayload, expect

from domain.values import Role
from tests.browser.harness import Browsing
from tests.e2e.people import enterprise, post, register

TODAY = datetime.now(UTC).date()  # the server's day, as the workshop rules read it


@dataclass(frozen=True)
class Office:
    tag: str
    office: str


async def office_logged_in(browsing: Browsing) -> Office:
    tag = uuid.uuid4().hex[:6]
    office = f"office-{tag}"
    await browsing.site.add_user(office, Role.HQ)
    await browsing.log_in(office)
    return Office(tag, office)


async def open_person(browsing: Browsing, name: str) -> None:
    """From the People menu: search by name, open the person's page."""
    page = browsing.page
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    await page.get_by_label("Name or e-mail").fill(name)
    await page.get_by_role("button", name="Search").click()
    await page.get_by_role("link", name=name, exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(name)


async def test_the_office_runs_a_workshop_moves_a_candidate_to_another_expert_and_corrects_a_step(
    browsing: Browsing,
) -> None:
    site, page = browsing.site, browsing.page
    you = await office_logged_in(browsing)
    esther, ravi = f"Esther Expert {you.tag}", f"Ravi Expert {you.tag}"
    await register(site, you.office, esther, expert=True)
    ravi_id = await register(site, you.office, ravi, expert=True)
    carla = f"Carla Candidate {you.tag}"
    carla_id = await register(site, you.office, carla)
    carla_email = site.services.certification.trainer(carla_id).email

    # A workshop next month, run by Esther.
    await (
        page.get_by_role("navigation", name="Main")
        .get_by_role("link", name="ToT workshops")
        .click()
    )
    await browsing.check_accessible()
    code = f"IND-WC-{you.tag}"
    schedule = page.get_by_role("form", name="Schedule a ToT workshop")
    await schedule.get_by_label("Module").select_option("WC")
    await schedule.get_by_label("Code").fill(code)
    await schedule.get_by_label("First day").fill((TODAY + timedelta(days=30)).isoformat())
    await schedule.get_by_label("Last day").fill((TODAY + timedelta(days=34)).isoformat())
    await schedule.get_by_label("Venue").fill("Faridabad")
    await schedule.get_by_label("Country").fill("IN")
    await schedule.get_by_label("Expert trainer").select_option(label=f"{esther} (IN)")
    await schedule.get_by_role("button", name="Schedule").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"ToT workshop {code}")
    await browsing.check_accessible()
    await browsing.keep_screenshot("office-workshop")

    # Carla enrols; the workshop is brought forward to end today, at another venue.
    enrol = page.get_by_role("form", name="Enrol a candidate")
    await enrol.get_by_label("Candidate").select_option(label=f"{carla} ({carla_email})")
    await enrol.get_by_role("button", name="Enrol").click()
    await page.wait_for_url(re.compile(r"\?done=enrolment$"))
    moved = page.get_by_role("form", name="Reschedule")
    await moved.get_by_label("First day").fill((TODAY - timedelta(days=4)).isoformat())
    await moved.get_by_label("Last day").fill(TODAY.isoformat())
    await moved.get_by_label("Venue").fill("Gurugram")
    await moved.get_by_label("Reason").fill("The venue was free a month earlier")
    await moved.get_by_role("button", name="Reschedule").click()
    await expect(page.locator("#workshop")).to_contain_text("Gurugram")
    await browsing.check_accessible()

    # Esther leaves the programme: the office moves Carla's journey to Ravi.
    await open_person(browsing, carla)
    move = page.get_by_role("form", name="WC journey: move to another expert trainer")
    await expect(move).to_contain_text(f"Expert trainer now: {esther}")
    await browsing.check_accessible()
    await move.get_by_label("Expert trainer").select_option(label=ravi)
    await move.get_by_label("Reason").fill("Esther left the programme")
    await move.get_by_role("button", name="Move the candidate").click()
    await expect(move).to_contain_text(f"Expert trainer now: {ravi}")
    journey = await page.get_by_role("link", name="Open the WC journey").get_attribute("href")
    assert journey is not None and journey.startswith("/journey/")
    await browsing.keep_screenshot("office-person")

    # Ravi records the workshop's result, Carla her enterprise and its baseline (by the API,
    # through the journey's workflow); productivity was typed as 100 instead of 105.
    ravi_login, carla_login = f"ravi-{you.tag}", f"carla-{you.tag}"
    await site.add_user(ravi_login, Role.EXPERT, ravi_id)
    await site.add_user(carla_login, Role.TRAINER, carla_id)
    base = f"/journeys/{journey.removeprefix('/journey/')}"
    await post(site, ravi_login, f"{base}/tot-result", {"attended": True, "completed": True})
    firm = await enterprise(site, carla_login)
    await post(site, carla_login, f"{base}/enterprises", {"enterprise_id": firm})
    baseline = {"productivity": 100, "defects": 8}
    await post(
        site,
        carla_login,
        f"{base}/baseline-assessments",
        {"enterprise_id": firm, "visited_on": TODAY.isoformat(), "indicators": baseline},
    )

    # The office corrects the baseline from the journey page, with the reason.
    await page.get_by_role("link", name="Open the WC journey").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Journey of {carla}")
    corrections = page.get_by_role("region", name="Correct a recorded step")
    amend = corrections.get_by_role("form", name=re.compile("^Record a baseline assessment"))
    await amend.get_by_label("Productivity").fill("105")
    await amend.get_by_label("Reason").fill("Typed 100 for 105 from the visit notes")
    await amend.get_by_role("button", name="Correct this step").click()
    await expect(page.get_by_role("status")).to_have_text("The correction is recorded.")
    corrected = page.get_by_role("listitem").filter(has_text="A recorded step corrected")
    await expect(corrected).to_contain_text("Productivity 105")
    await expect(corrected).to_contain_text("Typed 100 for 105 from the visit notes")
    reassigned = page.get_by_role("listitem").filter(has_text="Moved to another expert trainer")
    await expect(reassigned).to_contain_text("Esther left the programme")
    await browsing.check_accessible()
    await browsing.keep_screenshot("journey-correction")


async def test_the_office_imports_past_trainers_and_erases_a_person(browsing: Browsing) -> None:
    page = browsing.page
    you = await office_logged_in(browsing)
    priya, email = f"Priya Past {you.tag}", f"priya-{you.tag}@example.org"
    omar = f"Omar Old {you.tag}"
    trainers = (
        "name,email,country,registered_on,expert\n"
        f"{priya},{email},IN,2019-03-01,no\n"
        f"{omar},omar-{you.tag}@example.org,IN,2018-11-20,yes\n"
    )
    csv_file = FilePayload(name="trainers.csv", mimeType="text/csv", buffer=trainers.encode())

    # A dry run first: the file checked, nothing written; then imported for good.
    await page.get_by_role("link", name="Import past records").click()
    await browsing.check_accessible()
    await page.get_by_label("The file holds").select_option("trainers")
    await page.get_by_label("CSV file").set_input_files(csv_file)
    await page.get_by_role("button", name="Import").click()
    await expect(page.get_by_role("heading", name="Dry run report")).to_be_visible()
    await expect(page.locator("#written")).to_have_text("2")
    assert browsing.site.services.certification.trainer_by_email(email) is None
    await page.get_by_label("The file holds").select_option("trainers")
    await page.get_by_label("CSV file").set_input_files(csv_file)
    await page.get_by_label("Dry run: check every row, write nothing").uncheck()
    await page.get_by_role("button", name="Import").click()
    await expect(page.get_by_role("heading", name="Import report")).to_be_visible()
    await expect(page.locator("#written")).to_have_text("2")
    await browsing.check_accessible()
    await browsing.keep_screenshot("office-imports")

    # The office finds both among the people, then erases Priya's data on her request.
    await open_person(browsing, omar)
    await expect(page.locator("#person")).to_contain_text("Expert trainer")
    await open_person(browsing, priya)
    await expect(page.locator("#person")).to_contain_text(email)
    await page.get_by_role("link", name=f"Login of {priya}").click()
    await page.get_by_role("link", name=f"Erase the personal data of {priya}").click()
    await browsing.check_accessible()
    confirm = page.get_by_label(re.compile("^To confirm, type the person's id: "))
    label = await page.locator("label[for=erase-confirm]").inner_text()
    await page.get_by_label("Reason (the person's request and its date)").fill(
        f"Her e-mail of {TODAY.isoformat()} asking to be forgotten"
    )
    await confirm.fill(label.rsplit(": ", 1)[1].strip())
    await page.get_by_role("button", name="Erase for good").click()
    await expect(page.locator("#erased")).to_contain_text("This person's personal data are erased")
    await browsing.check_accessible()

    await page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    await page.get_by_label("Name or e-mail").fill(priya)
    await page.get_by_role("button", name="Search").click()
    await expect(page.get_by_text("Nobody matches.")).to_be_visible()
