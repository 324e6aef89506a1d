"""Every text the e-mails write reads in French and Spanish: the `mail` catalogs' sentences
and the steps' titles they share with the pages (service/i18n/labels.py)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_file

from service.i18n import translations
from service.i18n.labels import STEP_TITLES, step_titles
from workflows import mail

MAIL = Path(mail.__file__)


def mail_messages() -> set[str]:
    """The texts `workflows/mail.py` writes: each literal passed to its writer (`write(...)`),
    its signature, and the steps' titles a stall reminder names."""
    found = extract_from_file("python", MAIL, keywords={"write": None})
    written = {message for _line, message, _comments, _context in found}
    return {m for m in written if isinstance(m, str)} | {mail.SIGNATURE, *STEP_TITLES.values()}


def test_every_text_of_the_emails_is_translated_in_french_and_spanish() -> None:
    messages = mail_messages()
    assert "SCORE: {months} months without a training record" in messages, "found nothing"
    for language in ("fr", "es"):
        gettext = translations(language).gettext
        untranslated = sorted(m for m in messages if gettext(m) == m)
        assert not untranslated, f"not translated in {language}: {untranslated}"


def test_the_pages_and_the_emails_name_a_step_alike() -> None:
    assert step_titles("fr")["coaching_visit"] == "Enregistrer une visite d'accompagnement"
    assert step_titles("xx")["coaching_visit"] == STEP_TITLES["coaching_visit"]
