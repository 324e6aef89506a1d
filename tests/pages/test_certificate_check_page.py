"""The page the printed certificate's QR code leads to: anyone reads whether its holder is
listed, and for a delisted one why (a category, no detail) and since when, in their language."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from domain.trainer.steps import RemoveForCause
from domain.values import Module
from projections.projector import Projector
from service.app.import_rows import Kind
from service.app.imports import import_csv
from service.http.deps import Services
from tests.stories import Story, new_id


def test_a_listed_holders_certificate_reads_as_genuine_and_listed(
    site: TestClient, services: Services
) -> None:
    story = Story(services.certification)
    asha = story.register_candidate("Asha Rao")
    story.certified_in(Module.WC, asha, story.register_expert())
    number = services.certification.trainer(asha.user_id).certificate_number

    page = site.get("/verify", params={"number": number})

    assert page.status_code == 200 and "Asha Rao" in page.text
    assert "its holder is listed" in page.text and "Delisted since" not in page.text


def test_a_removed_holders_certificate_says_why_and_since_when_in_french(
    site: TestClient, services: Services
) -> None:
    story = Story(services.certification)
    asha = story.register_candidate("Asha Rao")
    story.certified_in(Module.WC, asha, story.register_expert())
    removal = RemoveForCause("conduct", "abused a participant")
    services.certification.take_standing_step(
        asha.user_id, removal, story.hq, new_id(), story.later()
    )
    number = services.certification.trainer(asha.user_id).certificate_number

    page = site.get("/verify", params={"number": number}, headers={"Accept-Language": "fr"})

    assert page.status_code == 200 and "n'est plus inscrit" in page.text
    assert "Radié depuis le" in page.text and "Radié pour motif grave" in page.text
    assert "abused" not in page.text, "the category, never the office's own words"


def test_a_guessable_number_of_a_removed_holder_reads_as_genuine_without_naming_them(
    site: TestClient, services: Services
) -> None:
    story = Story(services.certification)
    number = f"SCORE-2019-{int(story.tag, 16) % 10**6:06d}"
    email = f"legacy-{story.tag}@example.org"
    past = {
        Kind.TRAINERS: f"name,email,country,registered_on,expert\nLeila Haddad,{email},IN,"
        "2019-01-02,no\n",
        Kind.CERTIFICATIONS: f"email,module,certified_on,certificate_number\n{email},WC,"
        f"2019-09-30,{number}\n",
    }
    for kind, text in past.items():
        assert import_csv(services.certification, kind, text, story.hq, story.now).problems == ()
    holder = services.certification.trainer_by_email(email)
    assert holder is not None
    removal = RemoveForCause("conduct", "abused a participant")
    services.certification.take_standing_step(
        holder.trainer_id, removal, story.hq, new_id(), story.later()
    )

    page = site.get("/verify", params={"number": number})

    assert page.status_code == 200 and "its holder is no longer listed" in page.text
    assert "Leila Haddad" not in page.text and "Removed by the programme office" not in page.text
    assert "shown only while they are on the public list" in page.text
    Projector(services.certification, services.read_models).catch_up()
    checked = site.get(f"/public/certificates/{number}").json()
    assert checked["withheld"] and checked["listed"] is False
    assert (checked["name"], checked["country"], checked["modules"]) == (None, None, [])
    assert checked["issued_at"] is None and checked["country_name"] is None


def test_a_holder_delisted_for_inactivity_reads_so_in_spanish_without_naming_a_period(
    site: TestClient, services: Services
) -> None:
    story = Story(services.certification, datetime(2024, 1, 8, 9, 0, tzinfo=UTC))
    asha = story.register_candidate("Asha Rao")
    story.certified_in(Module.WC, asha, story.register_expert())
    services.certification.delist_inactive_trainer(asha.user_id, new_id(), story.later(400))
    number = services.certification.trainer(asha.user_id).certificate_number

    page = site.get("/verify", params={"number": number}, headers={"Accept-Language": "es"})

    assert page.status_code == 200
    assert "período de inactividad del programa" in page.text  # a policy term: any length
    assert "12" not in page.text.partition("Motivo")[2]
