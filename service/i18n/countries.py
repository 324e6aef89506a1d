"""Countries' names as people read them, in English, French or Spanish.

The service records a country as its ISO 3166-1 alpha-2 code (domain/countries.py); its name
comes from pycountry's own gettext catalogs (`iso3166-1`), kept up to date with ISO's list,
so no name is translated by hand. The reserved code of text an earlier release recorded that
names no country reads as "Unknown country" from the service's catalog (countries.po).
"""

from __future__ import annotations

import gettext
from functools import cache

import pycountry

from domain.countries import UNKNOWN_COUNTRY
from service.i18n import DEFAULT_LANGUAGE, LANGUAGES, translations


@cache
def _names(language: str) -> gettext.NullTranslations:
    """pycountry's catalog of country names in `language` (English: the names as they are)."""
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])


def country_name(code: str, language: str) -> str:
    """The country's name in `language` (an unknown language: English); the code itself if
    ISO assigns it to no country."""
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    if code == UNKNOWN_COUNTRY:
        return translations(language).gettext("Unknown country")
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return _names(language).gettext(country.name)
