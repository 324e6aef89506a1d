"""Every message people read exists in French and Spanish; the language is the reader's."""

from __future__ import annotations

import re

from babel.messages import pofile

from service.i18n import LANGUAGES, catalog_files, choose_language, translations


def _messages(language: str) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for path in catalog_files(language):
        with path.open("rb") as source:
            for message in pofile.read_po(source, locale=language):
                if message.id:
                    key = message.id if isinstance(message.id, str) else message.id[0]
                    text = message.string if isinstance(message.string, str) else ""
                    if isinstance(message.string, (list, tuple)):
                        text = message.string[0]
                    found[(path.name, key)] = text
    return found


def test_every_english_message_is_translated_in_every_language() -> None:
    english = _messages("en")
    assert english, "the English catalogs are empty"
    for language in LANGUAGES:
        translated = _messages(language)
        missing = sorted(f"{f}: {key!r}" for f, key in english if not translated.get((f, key)))
        assert not missing, f"missing in {language}: {missing}"


PLACEHOLDER = re.compile(r"\{(\w+)\}|%\((\w+)\)[sd]")  # str.format's, and gettext's new style


def _placeholders(text: str) -> set[str]:
    return {match.group(0) for match in PLACEHOLDER.finditer(text)}


def test_every_translation_keeps_the_placeholders_of_its_english_message() -> None:
    """The English message is the msgid, or the English text of a code (`field_too_long`)."""
    english = _messages("en")
    for language in LANGUAGES:
        unlike = sorted(
            f"{file}: {key!r} → {text!r}"
            for (file, key), text in _messages(language).items()
            if text
            and _placeholders(text)
            != (_placeholders(key) or _placeholders(english.get((file, key), "")))
        )
        assert not unlike, f"placeholders differ in {language}: {unlike}"


def test_a_placeholder_is_found_in_either_style() -> None:
    assert _placeholders("{months} months, %(n)s left, 100 %") == {"{months}", "%(n)s"}


def test_every_catalog_file_exists_in_every_language() -> None:
    names = {language: {path.name for path in catalog_files(language)} for language in LANGUAGES}
    assert len({frozenset(files) for files in names.values()}) == 1, names


def test_a_page_reads_in_the_chosen_language() -> None:
    assert translations("fr").gettext("SCORE trainer certification") == (
        "Certification des formateurs SCORE"
    )
    assert translations("xx").gettext("SCORE trainer certification") == (
        "SCORE trainer certification"
    )


def test_the_persons_choice_wins_then_the_browsers_best_match_then_english() -> None:
    assert choose_language("es", "fr-FR,fr;q=0.9") == "es"
    assert choose_language(None, "de-DE,fr;q=0.8,es;q=0.9") == "es"
    assert choose_language(None, "fr-CA;q=0.5, en;q=0") == "fr"
    assert choose_language(None, "de, it;q=0.5") == "en"
    assert choose_language("xx", None) == "en"
    assert choose_language(None, "fr;q=abc") == "en"
