"""A visitor verifies a certificate and reads the page in French; the certified trainer submits
a training record and downloads a manual, each by a form. In headless Chromium, every page
checked by axe-core."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest_asyncio
from babel.dates import format_date
from playwright.async_api import expect

from domain.values import Material, Module
from tests.browser.harness import Browsing
from tests.e2e.harness import Stack
from tests.e2e.people import Cast, cast, enrolled, post, through_toe_cycle


@dataclass(frozen=True)
class Certified:
    people: Cast
    journey: str
    name: str
    email: str
    number: str


@pytest_asyncio.fixture(scope="module")
async def certified(site: Stack) -> AsyncIterator[Certified]:
    """A candidate taken through a ToE cycle, recommended and certified (by the JSON API)."""
    people = await cast(site)
    journey = await enrolled(site, people)
    await through_toe_cycle(site, people, journey)
    await post(site, people.expert, f"/journeys/{journey}/assessment", {"outcome": "recommended"})
    await post(site, people.office, f"/journeys/{journey}/certification")
    trainer = site.services.certification.trainer(people.candidate_id)
    assert trainer.certificate_number is not None
    yield Certified(people, journey, trainer.name, trainer.email, trainer.certificate_number)


async def test_a_visitor_verifies_a_certificate_and_reads_the_page_in_french(
    browsing: Browsing, certified: Certified
) -> None:
    page = browsing.page
    await page.goto("/")
    await browsing.check_accessible()
    await browsing.keep_screenshot("home")
    await page.get_by_role("main").get_by_role("link", name="Verify a certificate").click()
    await page.get_by_label("Certificate number").fill(certified.number.lower())
    await page.get_by_role("button", name="Verify").click()
    verdict = page.get_by_role("heading", level=2)
    await expect(verdict).to_have_text(
        f"{certified.number} is a genuine certificate, and its holder is listed."
    )
    await expect(page.get_by_text(certified.name)).to_be_visible()
    html = await page.content()
    assert certified.email not in html and certified.people.candidate_id not in html
    await browsing.check_accessible()
    await browsing.keep_screenshot("verify")

    await page.get_by_label("Language").select_option("fr")
    await page.get_by_role("button", name="Change").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Vérifier un certificat")
    await expect(verdict).to_have_text(
        f"{certified.number} est un certificat authentique, et son titulaire est inscrit."
    )
    in_french = format_date(date.today(), format="long", locale="fr")  # e.g. 1 décembre 2026
    await expect(page.get_by_text(in_french)).to_be_visible()
    assert await page.get_attribute("html", "lang") == "fr"
    await browsing.check_accessible()
    await browsing.keep_screenshot("verify-fr")

    # The choice is kept: the directory reads in French too, filtered by country and module.
    await page.get_by_role("link", name="Formateurs certifiés").first.click()
    await page.get_by_label("Pays").select_option("IN")
    await page.get_by_label("Module", exact=True).select_option("WC")
    await page.get_by_role("button", name="Afficher").click()
    await expect(page.get_by_role("cell", name=certified.name)).to_be_visible()
    await browsing.check_accessible()


async def test_the_directory_lists_the_certified_trainer(
    browsing: Browsing, certified: Certified
) -> None:
    page = browsing.page
    await page.goto("/directory?module=WC")
    row = page.get_by_role("row", name=re.compile(re.escape(certified.name)))
    await expect(row.get_by_role("link", name=certified.number)).to_be_visible()
    await browsing.check_accessible()
    await browsing.keep_screenshot("directory")


async def test_a_visitor_reads_the_programme_statistics_as_charts_for_a_country(
    browsing: Browsing, certified: Certified
) -> None:
    page = browsing.page
    await page.goto("/")
    await page.get_by_role("main").get_by_role("link", name="Programme statistics").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Programme statistics")
    await page.get_by_label("Country").select_option("IN")
    await page.get_by_role("button", name="Show").click()
    await expect(page.get_by_role("img", name="SMEs trained, by module")).to_be_visible()
    table = page.get_by_role("table", name="SMEs trained, by module")
    row = table.get_by_role("row", name="WC · Module 1: Workplace Cooperation")
    await expect(row).to_contain_text("1")
    await browsing.check_accessible()
    await browsing.keep_screenshot("statistics")


MANUAL = b"%PDF-1.7\n% SCORE module WC: the manual\n"


async def test_a_certified_trainer_submits_a_training_record_and_downloads_a_manual_by_forms(
    browsing: Browsing, certified: Certified
) -> None:
    page, site = browsing.page, browsing.site
    await browsing.log_in(certified.people.candidate)
    await (
        page.get_by_role("navigation", name="Main").get_by_role("link", name="My standing").click()
    )
    await expect(page.get_by_text(certified.number)).to_be_visible()
    await expect(page.get_by_text("Next reminder")).to_be_visible()
    await browsing.check_accessible()

    events = site.events()
    await page.get_by_label("Delivered on").fill(date.today().isoformat())
    await page.get_by_label("Module", exact=True).select_option("WC")
    await page.get_by_label("Enterprises trained").fill("3")
    await page.get_by_label("Participants").fill("25")
    await page.get_by_label("Description").fill("WC module for three auto-parts suppliers")
    await page.get_by_role("button", name="Submit the training record").click()
    await expect(page.get_by_role("status")).to_contain_text("activity clock restarted")
    assert site.events() > events
    standing = site.services.certification.trainer(certified.people.candidate_id).standing
    assert standing is not None and standing.last_delivered_on == date.today()
    await browsing.check_accessible()
    await browsing.keep_screenshot("my-standing")

    # The office uploaded the module's manual; the trainer downloads it by the page.
    site.services.materials.upload(
        Module.WC, Material.MANUAL, "WC manual.pdf", MANUAL, "office", datetime.now(UTC)
    )
    await page.get_by_role("link", name="My training materials").first.click()
    await expect(page.get_by_role("cell", name="WC manual.pdf")).to_be_visible()
    await browsing.check_accessible()
    await browsing.keep_screenshot("my-materials")
    before = site.events()
    async with page.expect_download() as downloading:
        await page.get_by_role("button", name="Download Manual of WC").click()
    download = await downloading.value
    assert download.suggested_filename == "WC manual.pdf"
    saved = await download.path()
    assert saved.read_bytes() == MANUAL
    (recorded,) = site.services.certification.recorder.select_notifications(
        before, limit=10, inclusive_of_start=False
    )
    assert recorded.topic.endswith("Trainer.MaterialsOpened")


async def test_the_office_reads_the_certificate_number_on_the_certified_journey(
    browsing: Browsing, certified: Certified
) -> None:
    page = browsing.page
    await browsing.log_in(certified.people.office)
    await page.goto(f"/journey/{certified.journey}")
    await expect(page.get_by_role("link", name=certified.number)).to_be_visible()
    await expect(page.get_by_text("Nothing: this journey has ended.")).to_be_visible()
    await browsing.check_accessible()
