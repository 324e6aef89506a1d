"""Every text the pages show is in the catalogs, and a refusal reads in the reader's language."""

from __future__ import annotations

from pathlib import Path

from babel.messages import pofile
from babel.messages.extract import extract_from_dir

from domain.errors import InvalidInput, StepOutOfOrder, default_code
from domain.trainer.credentials import CredentialNotActive
from service.app.refusals import refusal_body
from service.http.pages.refusals import readable
from service.i18n import catalog_files

PAGES = Path(__file__).parents[2] / "service" / "http" / "pages"
TEMPLATE_OPTIONS = {
    "extensions": "jinja2.ext.i18n",
    "newstyle_gettext": "true",
    "trim_blocks": "true",
    "lstrip_blocks": "true",
}


def page_messages() -> set[str]:
    found = extract_from_dir(
        PAGES,
        [("templates/**.html", "jinja2"), ("*.py", "python")],
        options_map={"templates/**.html": TEMPLATE_OPTIONS, "*.py": {}},
        keywords={"_": None, "gettext": None},
    )
    return {message if isinstance(message, str) else message[0] for *_, message, _c, _x in found}


def english_messages() -> set[str]:
    found: set[str] = set()
    for path in catalog_files("en"):
        with path.open("rb") as source:
            found |= {m.id for m in pofile.read_po(source) if isinstance(m.id, str) and m.id}
    return found


def test_every_text_of_the_pages_is_in_the_catalogs() -> None:
    messages = page_messages()
    assert "Verify a certificate" in messages, "the extraction found nothing"
    # In the English catalogs; tests/i18n then holds them to be in French and Spanish too.
    unknown = sorted(messages - english_messages())
    assert not unknown, f"not in the English catalogs: {unknown}"


def test_a_refusal_with_dates_reads_in_french_with_french_dates() -> None:
    refusal = StepOutOfOrder(
        "A coaching visit dated 2026-03-01 would come before ...",
        code="visit_before_classroom",
        params={"visited_on": "2026-03-01", "held_on": "2026-03-05"},
    )
    french = readable(refusal_body(refusal), "fr")
    assert french.text.startswith("Une visite d'accompagnement datée du 1 mars 2026")
    assert "5 mars 2026" in french.text


def test_a_refusal_names_an_enterprise_by_its_name_where_the_page_knows_it() -> None:
    refusal = StepOutOfOrder(
        "Record at least one coaching visit to enterprise e-1 before reporting its progress.",
        code="report_before_visit",
        params={"enterprise": "e-1"},
    )
    spanish = readable(refusal_body(refusal), "es", {"e-1": "Faridabad Gears"})
    assert "la empresa Faridabad Gears" in spanish.text


def test_a_refusal_the_catalogs_do_not_know_yet_reads_in_the_domains_words() -> None:
    refusal = InvalidInput("Something new went wrong.")
    assert refusal.code == "invalid_input" == default_code(InvalidInput)
    assert readable(refusal_body(refusal), "fr").text == "Something new went wrong."


def test_a_credential_that_is_not_active_reads_with_its_status_in_the_readers_language() -> None:
    refusal = CredentialNotActive(
        "Asha Rao's credential is suspended; it is not reissued until ...",
        params={"name": "Asha Rao", "status": "suspended"},
    )
    revoked = CredentialNotActive("...", params={"name": "Asha Rao", "status": "revoked"})

    assert refusal.code == "credential_not_active"
    assert (
        "Le justificatif de Asha Rao est suspendu ;" in readable(refusal_body(refusal), "fr").text
    )
    assert "La credencial de Asha Rao está revocada;" in readable(refusal_body(revoked), "es").text
    assert "credential is suspended;" in readable(refusal_body(refusal), "en").text
