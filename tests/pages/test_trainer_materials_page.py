"""A certified trainer's materials page: the files of the modules they hold, downloaded through
the session by the same rule as the JSON API, each download recorded; others get a 403 page."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from domain.trainer.steps import RemoveForCause
from domain.values import Actor, Material, Module, Role
from projections.queries import office
from service.http.deps import Services
from tests.pages.conftest import PASSWORD
from tests.pages.test_office_and_auditor_pages import caught_up, form_keys, logged_in
from tests.stories import Story, new_id

MANUAL = b"%PDF-1.7\n% the WC manual\n"


def a_certified_trainer_with_a_login(services: Services) -> tuple[Story, Actor]:
    story = Story(services.certification)
    asha = story.register_candidate("Asha Rao")
    story.certified_in(Module.WC, asha, story.register_expert())
    services.accounts.create("asha", PASSWORD, Role.TRAINER, asha.user_id)
    return story, asha


def uploaded(services: Services, module: Module, name: str, content: bytes) -> None:
    services.materials.upload(module, Material.MANUAL, name, content, "office", datetime.now(UTC))


def downloads_of(services: Services, trainer_id: str) -> int:
    caught_up(services)
    return office.material_downloads(services.read_models, trainer_id, None, 0, 50).total


def test_a_certified_trainer_downloads_the_manual_of_their_module_and_it_is_recorded(
    site: TestClient, services: Services
) -> None:
    _, asha = a_certified_trainer_with_a_login(services)
    uploaded(services, Module.WC, "WC manual.pdf", MANUAL)
    uploaded(services, Module.QUALITY, "Quality manual.pdf", b"%PDF-1.7\n% quality\n")
    logged_in(site, "asha")

    page = site.get("/me/materials")
    assert page.status_code == 200
    assert "WC manual.pdf" in page.text
    assert "Quality manual.pdf" not in page.text  # not a module she holds
    form = form_keys(page.text)
    download = site.post("/me/materials/WC/manual", data=form)
    assert download.status_code == 200 and download.content == MANUAL
    assert download.headers["content-type"] == "application/pdf"
    assert 'filename="WC manual.pdf"' in download.headers["content-disposition"]
    assert downloads_of(services, asha.user_id) == 1

    again = site.post("/me/materials/WC/manual", data=form)  # the same form, sent twice
    assert again.content == MANUAL
    assert downloads_of(services, asha.user_id) == 1
    site.post("/me/materials/WC/manual", data=form_keys(site.get("/me/materials").text))
    assert downloads_of(services, asha.user_id) == 2


def test_a_module_the_trainer_does_not_hold_is_refused_and_nothing_is_recorded(
    site: TestClient, services: Services
) -> None:
    _, asha = a_certified_trainer_with_a_login(services)
    uploaded(services, Module.QUALITY, "Quality manual.pdf", b"%PDF-1.7\n% quality\n")
    logged_in(site, "asha")
    refused = site.post(
        "/me/materials/QUALITY/manual", data=form_keys(site.get("/me/standing").text)
    )
    assert refused.status_code == 403 and "not certified in QUALITY" in html.unescape(refused.text)
    assert refused.content != b"%PDF-1.7\n% quality\n"
    assert downloads_of(services, asha.user_id) == 0


def test_a_material_not_uploaded_yet_says_to_ask_the_office(
    site: TestClient, services: Services
) -> None:
    a_certified_trainer_with_a_login(services)
    logged_in(site, "asha")
    page = site.get("/me/materials")
    assert "has not uploaded the materials of your modules yet" in html.unescape(page.text)
    missing = site.post("/me/materials/WC/manual", data=form_keys(site.get("/me/standing").text))
    assert missing.status_code == 404 and "ask the office" in missing.text


def test_a_delisted_trainer_a_candidate_and_the_office_get_the_403_page(
    site: TestClient, services: Services
) -> None:
    story, asha = a_certified_trainer_with_a_login(services)
    removal = RemoveForCause("conduct", "harassment of a participant")
    services.certification.take_standing_step(
        asha.user_id, removal, story.hq, new_id(), story.later()
    )
    logged_in(site, "asha")
    delisted = site.get("/me/materials")
    assert delisted.status_code == 403 and "not on the list" in html.unescape(delisted.text)

    carla = story.register_candidate("Carla Candidate")
    services.accounts.create("carla", PASSWORD, Role.TRAINER, carla.user_id)
    logged_in(site, "carla")
    candidate = site.get("/me/materials")
    assert candidate.status_code == 403 and "once you are a certified trainer" in candidate.text

    logged_in(site, "office")
    assert site.get("/me/materials").status_code == 403


def test_the_materials_page_reads_in_french(site: TestClient, services: Services) -> None:
    a_certified_trainer_with_a_login(services)
    uploaded(services, Module.WC, "WC manual.pdf", MANUAL)
    logged_in(site, "asha")
    page = site.get("/me/materials", headers={"Accept-Language": "fr"})
    assert "Mes supports de formation" in page.text and "Télécharger" in page.text
