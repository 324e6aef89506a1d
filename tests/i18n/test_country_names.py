"""Countries read in the reader's language, by pycountry's catalogs of ISO 3166 names."""

from __future__ import annotations

from domain.countries import UNKNOWN_COUNTRY
from service.i18n.countries import country_name


def test_a_country_is_named_in_english_french_and_spanish() -> None:
    assert [country_name("VN", lang) for lang in ("en", "fr", "es")] == [
        "Viet Nam",
        "Viêt Nam",
        "Vietnam",
    ]
    assert [country_name("IN", lang) for lang in ("en", "fr", "es")] == ["India", "Inde", "India"]


def test_an_unknown_language_reads_in_english_and_an_unassigned_code_as_itself() -> None:
    assert country_name("CI", "de") == "Côte d'Ivoire"
    assert country_name("QQ", "fr") == "QQ"


def test_text_that_named_no_country_reads_as_an_unknown_country() -> None:
    assert [country_name(UNKNOWN_COUNTRY, lang) for lang in ("en", "fr", "es")] == [
        "Unknown country",
        "Pays inconnu",
        "País desconocido",
    ]
