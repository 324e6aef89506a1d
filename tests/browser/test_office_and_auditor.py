"""The office invites an expert, who logs in; the office certifies the expert's recommended
candidate and reads the number, subscribes an integration to delistings, delists and reinstates
them with a reason, sends the delisting's delivery that gave up again, records a policy
version, and deactivates, activates and resets the expert's login; an auditor opens
the trainer as of a past date and verifies the chain. In headless Chromium, every page
checked by axe-core."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from playwright.async_api import Browser, expect

from domain.certificates import CERTIFICATE_NUMBER_PATTERN
from domain.values import Role
from service.app.webhooks.destinations import DestinationRefused
from service.app.webhooks.outbox import collect, mark_started, unstarted
from service.app.webhooks.sending import send
from service.http.deps import Services
from tests.browser.harness import Browsing
from tests.e2e.people import Cast, enrolled, post, register, through_toe_cycle

CHOSEN = "the expert's own password"
# Subscribed as it is written (https, a name), refused when sent: it resolves to 127.0.0.1.
RESOLVES_PRIVATE = "https://localhost/score-hooks"


def refused_delivery(services: Services) -> str:
    """The deliveries of the events since the subscription, as the worker's dispatcher and
    the delivery workflow's first attempt make them (neither runs in this harness): the one,
    refused, gives up at once."""
    assert collect(services.certification, services.webhooks) == 1
    ((webhook_id, round_number),) = unstarted(services.webhooks)
    mark_started(services.webhooks, webhook_id, round_number)
    with pytest.raises(DestinationRefused):
        send(services.webhooks, webhook_id, 1, round_number)
    return webhook_id


async def test_the_office_invites_an_expert_and_certifies_their_recommended_candidate(
    browsing: Browsing, browser: Browser
) -> None:
    site, page = browsing.site, browsing.page
    tag = uuid.uuid4().hex[:6]
    office = f"office-{tag}"
    await site.add_user(office, Role.HQ)
    await browsing.log_in(office)

    # The office registers the expert and gives a login by invitation, in one form.
    await page.goto("/office/register")
    await browsing.check_accessible()
    await page.get_by_label("Name").fill(f"Esther Expert {tag}")
    email = f"esther-{tag}@example.org"
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Country").fill("IN")
    await page.get_by_label("Expert trainer").check()
    await page.get_by_label("An invitation link that expires").check()
    await page.get_by_role("button", name="Register and give a login").click()
    await expect(page.get_by_role("status")).to_contain_text(f"logs in as {email}")
    await browsing.check_accessible()
    await browsing.keep_screenshot("office-login-given")
    link = await page.locator("#invitation-link").inner_text()

    # The expert, in a browser of their own, chooses a password and is logged in.
    expert_context = await browser.new_context(base_url=site.base_url, locale="en-GB")
    expert_page = await expert_context.new_page()
    await expert_page.goto(link)
    await expect(expert_page.get_by_role("heading", level=1)).to_have_text("Choose your password")
    await expert_page.get_by_label("New password").fill(CHOSEN)
    await expert_page.get_by_label("The same password again").fill(CHOSEN)
    await expert_page.get_by_role("button", name="Set my password and log in").click()
    await expect(expert_page.get_by_text(f"Logged in as {email}")).to_be_visible()
    await expert_page.goto("/expert")
    await expect(expert_page.get_by_role("heading", level=1)).to_have_text("My worklist")

    # The expert's candidate goes through a ToE cycle and is recommended (over the API).
    async with site.client() as anonymous:
        reply = await anonymous.post("/auth/token", data={"username": email, "password": CHOSEN})
    site.tokens[email] = reply.json()["access_token"]
    login = site.services.accounts.login(email)
    assert login is not None and login.role is Role.EXPERT and login.trainer_id is not None
    expert_id = login.trainer_id
    candidate_id = await register(site, office, f"Carla Candidate {tag}")
    candidate = f"candidate-{tag}"
    await site.add_user(candidate, Role.TRAINER, candidate_id)
    people = Cast(office, email, expert_id, candidate, candidate_id, office)
    journey = await enrolled(site, people)
    await through_toe_cycle(site, people, journey)
    await post(site, email, f"/journeys/{journey}/assessment", {"outcome": "recommended"})
    await expert_context.close()

    # The office certifies from its queue and reads the certificate number.
    await page.goto("/office/certification")
    await browsing.check_accessible()
    await page.get_by_role("button", name=f"Certify Carla Candidate {tag} in WC").click()
    status = page.get_by_role("status")
    await expect(status).to_contain_text(f"Carla Candidate {tag} is certified: certificate SCORE-")
    # Random numbers since 0.2 (SCORE-XXXX-XXXX-XXXX): the domain's pattern, unanchored.
    number = re.search(CERTIFICATE_NUMBER_PATTERN.strip("^$"), await status.inner_text())
    assert number is not None
    assert site.services.certification.trainer(candidate_id).certificate_number == number[0]
    await browsing.keep_screenshot("office-certification")

    # An integration subscribes to delistings; its signing secret is shown this once.
    await page.goto("/office/webhooks")
    await page.get_by_label("URL (https, a public address)").fill(RESOLVES_PRIVATE)
    await page.get_by_label("trainer.delisted").check()
    await page.get_by_role("button", name="Subscribe", exact=True).click()
    await expect(page.locator("#webhook-secret")).to_contain_text("whsec_")
    await browsing.check_accessible()

    # Delisted for cause with the reason, then reinstated with the reason.
    await page.goto(f"/office/trainers/{candidate_id}/standing")
    await page.get_by_label("Ground").select_option("conduct")
    await page.get_by_label("Reason").fill("Sold the manual as their own")
    await page.get_by_role("button", name="Delist").click()
    await expect(page.locator("#listing")).to_contain_text("Removed")
    await expect(page.locator("#listing")).to_contain_text("Sold the manual as their own")
    await browsing.check_accessible()
    await page.get_by_label("Reason").fill("The matter was settled")
    await page.get_by_role("button", name="Reinstate").click()
    await expect(page.locator("#listing")).to_have_text("Listed")
    # The delisting's delivery is refused (the URL resolves to a private address) and gives
    # up; the office sends it again from the webhooks page.
    webhook_id = refused_delivery(site.services)
    await page.goto("/office/webhooks")
    await expect(page.locator("#failed")).to_contain_text(webhook_id)
    await browsing.check_accessible()
    await browsing.keep_screenshot("office-webhooks")
    await page.get_by_role("button", name=f"Send again: {webhook_id}").click()
    await expect(page.get_by_role("status")).to_contain_text("is being sent again")
    for path, name in (
        ("/office/people", "office-people"),
        ("/office/messages", "office-messages"),
        ("/office/materials", "office-materials"),
    ):
        await page.goto(path)
        await browsing.check_accessible()
        await browsing.keep_screenshot(name)

    # The office records a policy version by its form and reads it listed.
    await page.goto("/office/policies")
    await browsing.check_accessible()
    await page.get_by_label("Stall period (days)").fill("45")
    await page.get_by_label("Applies from").fill((date.today() + timedelta(days=1)).isoformat())
    await page.get_by_label("Reason").fill(f"Reminded earlier ({tag})")
    await page.get_by_role("button", name="Record the version").click()
    await expect(page.get_by_role("status")).to_contain_text("is recorded.")
    await expect(page.locator("#versions")).to_contain_text(f"Reminded earlier ({tag})")
    await browsing.check_accessible()
    await browsing.keep_screenshot("office-policies")

    # The office deactivates the expert's login, activates it again and resets it.
    await page.goto("/office/people")
    await page.get_by_label("Name or e-mail").fill(f"Esther Expert {tag}")
    await page.get_by_role("button", name="Search").click()
    await page.get_by_role("link", name=f"Login of Esther Expert {tag}").click()
    await expect(page.get_by_text("This login is active.")).to_be_visible()
    await browsing.check_accessible()
    await page.get_by_role("button", name="Deactivate the login").click()
    await expect(page.get_by_text("This login is deactivated: it cannot log in.")).to_be_visible()
    deactivated = site.services.accounts.login(email)
    assert deactivated is not None and not deactivated.active
    await page.get_by_role("button", name="Activate the login").click()
    await expect(page.get_by_text("This login is active.")).to_be_visible()
    await browsing.keep_screenshot("office-person-login")
    await page.get_by_label("Deliver the new password as").select_option("one_time_password")
    await page.get_by_role("button", name="Reset the login").click()
    password = await page.locator("#one-time-password").inner_text()
    await browsing.check_accessible()
    async with site.client() as anonymous:
        again = await anonymous.post("/auth/token", data={"username": email, "password": password})
    assert again.status_code == 200

    # An auditor opens the trainer as of yesterday (not registered yet), then today.
    auditor = f"auditor-{tag}"
    await site.add_user(auditor, Role.AUDITOR)
    await browsing.context.clear_cookies()
    await browsing.log_in(auditor)
    await page.goto("/office/people")
    await page.get_by_label("Name or e-mail").fill(f"Carla Candidate {tag}")
    await page.get_by_role("button", name="Search").click()
    await page.get_by_role("link", name=f"History of Carla Candidate {tag}").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("A trainer's history")
    await page.get_by_label("As of (a date)").fill((date.today() - timedelta(days=1)).isoformat())
    await page.get_by_role("button", name="Show the state then").click()
    await expect(page.locator("#listing-then")).to_contain_text("not_registered")
    await page.get_by_label("As of (a date)").fill(date.today().isoformat())
    await page.get_by_role("button", name="Show the state then").click()
    await expect(page.locator("#listing-then")).to_contain_text("listed")
    await browsing.check_accessible()
    await browsing.keep_screenshot("auditor-history")
    await page.get_by_role("link", name="Verify the hash chain").click()
    await expect(page.locator("#verdict")).to_contain_text("Intact:")
    await browsing.check_accessible()
