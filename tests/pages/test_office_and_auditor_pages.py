"""The office's and the auditor's pages by form: register and invite a person who then sets a
password; search people; messages; materials; a trainer's history as of a date; the chain."""

from __future__ import annotations

import html
import io
import re
import zipfile
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient

from domain.journey.steps import AmendStep, RecordCoachingVisit
from domain.values import Actor, Module, Role
from projections.projector import Projector
from service.app.notifications import Message
from service.http.deps import Services
from tests.pages.conftest import PASSWORD
from tests.pages.test_pages_foundation import csrf_of
from tests.stories import Story

CHOSEN = "a password I chose myself"


def logged_in(site: TestClient, username: str = "office", password: str = PASSWORD) -> None:
    login = site.get("/login")
    form = {"csrf": csrf_of(login.text), "username": username, "password": password}
    assert site.post("/login", data=form, follow_redirects=False).status_code == 303


def form_keys(page: str) -> dict[str, str]:
    key = re.search(r'name="form_key" value="([^"]+)"', page)
    assert key, "the form has no key"
    return {"csrf": csrf_of(page), "form_key": key.group(1)}


def found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match, f"{pattern} is not on the page"
    return match[1]


def caught_up(services: Services) -> None:
    Projector(services.certification, services.read_models).catch_up()


def test_the_office_registers_and_invites_a_person_who_sets_a_password(
    site: TestClient, services: Services
) -> None:
    logged_in(site)
    form = site.get("/office/register")
    assert form.status_code == 200
    person = {"name": "Esther Expert", "email": "esther@example.org", "country": "IN"}
    given = site.post(
        "/office/register",
        data={**form_keys(form.text), **person, "is_expert": "yes", "delivery": "invitation"},
    )
    assert given.status_code == 200, given.text
    assert "Esther Expert is registered and logs in as esther@example.org." in given.text
    link = html.unescape(found(r'<code id="invitation-link">([^<]+)</code>', given.text))
    assert link.startswith("http://127.0.0.1/invitation?token=")

    site.cookies.clear()  # Esther, in her own browser
    invitation = site.get(link.removeprefix("http://127.0.0.1"))
    assert invitation.status_code == 200 and "Choose your password" in invitation.text
    token = found(r'name="token" value="([^"]+)"', invitation.text)
    differ = {"csrf": csrf_of(invitation.text), "token": token, "password": CHOSEN}
    refused = site.post("/invitation", data={**differ, "again": "something else"})
    assert refused.status_code == 422 and "The two passwords differ" in refused.text
    accepted = site.post("/invitation", data={**differ, "again": CHOSEN}, follow_redirects=False)
    assert accepted.status_code == 303
    assert "Logged in as esther@example.org" in site.get("/").text
    fresh = csrf_of(site.get(link.removeprefix("http://127.0.0.1")).text)  # signed in: new
    again = site.post("/invitation", data={**differ, "csrf": fresh, "again": CHOSEN})
    assert again.status_code == 422 and "already used" in again.text

    site.cookies.clear()
    logged_in(site, "esther@example.org", CHOSEN)
    assert "My worklist" in site.get("/").text  # an expert's menu


def test_a_form_sent_twice_gives_one_login_and_shows_the_same_password(site: TestClient) -> None:
    logged_in(site)
    keys = form_keys(site.get("/office/register").text)
    person = {"name": "Carla Candidate", "email": "carla@example.org", "country": "PE"}
    sent = {**keys, **person, "is_expert": "no", "delivery": "one_time_password"}
    first, second = (
        site.post("/office/register", data=sent),
        site.post("/office/register", data=sent),
    )
    password = found(r'<code id="one-time-password">([^<]+)</code>', first.text)
    assert password in second.text
    site.cookies.clear()
    logged_in(site, "carla@example.org", password)


def test_the_office_finds_people_and_reads_the_messages(
    site: TestClient, services: Services
) -> None:
    story = Story(services.certification)
    story.register_candidate("Asha Rao")
    story.register_candidate("Bruno Díaz")
    services.outbox.store(
        Message("m-1", "asha@example.org", "SCORE: your journey is waiting", "Nothing for 60 days.")
    )
    caught_up(services)
    logged_in(site)

    people = site.get("/office/people", params={"q": "rao"})
    assert people.status_code == 200
    assert "Asha Rao" in people.text and "Bruno Díaz" not in people.text
    sent = site.get("/office/messages")
    assert "asha@example.org" in sent.text and "Kept in the outbox" in sent.text


def test_the_office_uploads_a_material_by_form(site: TestClient, services: Services) -> None:
    logged_in(site)
    page = site.get("/office/materials")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<p:presentation/>")
    upload = site.post(
        "/office/materials",
        data={"csrf": csrf_of(page.text), "module": "WC", "material": "presentation"},
        files={"file": ("WC slides.pptx", buffer.getvalue(), "application/octet-stream")},
    )
    assert upload.status_code == 200 and "WC slides.pptx" in upload.text
    (listed,) = services.materials.listing(Module.WC)
    assert listed.uploaded_by == "office"
    refused = site.post(
        "/office/materials",
        data={"csrf": csrf_of(upload.text), "module": "WC", "material": "manual"},
        files={"file": ("manual.pdf", b"not a pdf at all", "application/pdf")},
    )
    assert refused.status_code == 415 and "is not a PDF" in refused.text


def test_an_auditor_reads_a_trainer_as_of_a_past_date_and_the_chain_verdict(
    site: TestClient, services: Services
) -> None:
    story = Story(services.certification, start=datetime(2026, 1, 5, 9, tzinfo=UTC))
    expert, asha = story.register_expert(), story.register_candidate("Asha Rao")
    story.certified_in(Module.WC, asha, expert)
    services.accounts.create("ines", PASSWORD, Role.AUDITOR, None)
    logged_in(site, "ines")

    before = site.get(f"/auditor/trainers/{asha.user_id}", params={"at": "2026-01-07"})
    assert before.status_code == 200, before.text
    assert "not_certified" in before.text and "Trainer.Registered" in before.text
    now = site.get(f"/auditor/trainers/{asha.user_id}", params={"at": date.today().isoformat()})
    assert "listed" in now.text and "Modules certified then: WC" in now.text
    only = site.get(
        f"/auditor/trainers/{asha.user_id}", params={"type": "Trainer.CertificateIssued"}
    )
    assert only.text.count("<li><strong>") == 1

    verdict = site.get("/auditor/verify")
    assert verdict.status_code == 200 and "Intact:" in verdict.text
    exported = site.get(f"/auditor/trainers/{asha.user_id}/export", params={"format": "csv"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "Trainer.CertificateIssued" in exported.text
    reads = services.audit.reads.reads("ines", None, None, 0, 100)
    assert [r.path for r in reads][-1] == f"/auditor/trainers/{asha.user_id}/export"


def test_a_trainer_reaches_no_office_or_auditor_page(site: TestClient, services: Services) -> None:
    asha = Story(services.certification).register_candidate("Asha Rao")
    services.accounts.create(
        "asha", PASSWORD, Role.TRAINER, Actor(asha.user_id, Role.TRAINER).user_id
    )
    logged_in(site, "asha")
    for path in ("/office/people", "/office/messages", "/office/materials", "/auditor/verify"):
        assert site.get(path).status_code == 403, path


def test_the_office_reads_a_trainers_listing_and_a_reason_is_required_to_delist(
    site: TestClient, services: Services
) -> None:
    story = Story(services.certification)
    expert, asha = story.register_expert(), story.register_candidate("Asha Rao")
    story.certified_in(Module.WC, asha, expert)
    logged_in(site)
    page = site.get(f"/office/trainers/{asha.user_id}/standing")
    assert page.status_code == 200 and "Listing of Asha Rao" in page.text
    assert "Delist for cause" in page.text
    no_reason = {**form_keys(page.text), "change": "removal", "ground": "conduct", "reason": ""}
    refused = site.post(f"/office/trainers/{asha.user_id}/standing", data=no_reason)
    assert refused.status_code == 422 and "reason" in refused.text
    assert (
        site.get(f"/office/trainers/{story.register_candidate().user_id}/standing").status_code
        == 200
    )


def test_an_auditor_sees_a_corrected_visit_as_recorded_then_and_as_in_effect(
    site: TestClient, services: Services
) -> None:
    story = Story(services.certification, start=datetime(2026, 1, 5, 9, tzinfo=UTC))
    expert, asha = story.register_expert(), story.register_candidate("Asha Rao")
    journey = story.ready_to_assess(asha, expert)
    ((version, wrong),) = [
        (r.version, r.step.visited_on)
        for r in journey.recorded
        if isinstance(r.step, RecordCoachingVisit)
    ]
    then = story.later().date().isoformat()
    story.later()  # the next day, the date is corrected
    right = wrong - timedelta(days=1)
    story.step(journey, AmendStep(version, "a day earlier", visited_on=right), asha)
    services.accounts.create("ines", PASSWORD, Role.AUDITOR, None)
    logged_in(site, "ines")

    page = site.get(f"/auditor/trainers/{asha.user_id}", params={"at": then}).text
    row = found(r'<tr class="corrected">(.*?)</tr>', page.replace("\n", " "))
    assert row.index(f"Visited on: {wrong}") < row.index(f"Visited on: {right}")
