"""Countries as ISO 3166-1 alpha-2 codes ("IN", "LK"), the one spelling the service records.

A person gives the code; a name ("India", "Inde") is refused with the code to use, so one
country is never two to the public list. Events of earlier releases recorded free text: they
are read through `code_for_recorded_text` (their events' upcasts), which finds the country a
name, an alpha-3 code, or a French or Spanish name means, and gives the reserved code
`UNKNOWN_COUNTRY` to text that names none. Country names for people to read are looked up
outside the domain (service/i18n/countries.py); here the names only serve to recognise text.
"""

from __future__ import annotations

import difflib
import gettext
import unicodedata
from functools import cache

import pycountry

from domain.errors import InvalidInput
from domain.text import COUNTRY, clean_field

# A user-assigned code of ISO 3166-1 (no country will ever get it; CLDR's "Unknown Region"):
# what a record of an earlier release holds when its free text named no country.
UNKNOWN_COUNTRY = "ZZ"
# The languages whose country names old free text may be in (the service's languages).
RECOGNISED_LANGUAGES = ("fr", "es")
EXAMPLE = "IN for India, LK for Sri Lanka"


@cache
def country_codes() -> frozenset[str]:
    """Every assigned ISO 3166-1 alpha-2 code."""
    return frozenset(country.alpha_2 for country in pycountry.countries)


def country_code(field: str, value: str) -> str:
    """The ISO 3166-1 alpha-2 code `value` gives, in capitals ("in" → "IN"); InvalidInput
    naming `field`, and the code to use where `value` names a country, otherwise."""
    text = clean_field(field, value, COUNTRY)
    code = text.upper()
    if code in country_codes():
        return code
    meant = code_for_recorded_text(text)
    if meant is not None:
        raise InvalidInput(
            f"{field}: give the country as its ISO 3166-1 alpha-2 code: for {text!r} use {meant}."
        )
    suggestion = closest_code(text)
    hint = f"did you mean {suggestion}?" if suggestion else f"e.g. {EXAMPLE}."
    raise InvalidInput(f"{field}: {text!r} is no ISO 3166-1 alpha-2 country code; {hint}")


def country_codes_given(field: str, values: str) -> tuple[str, ...]:
    """A comma-separated list of codes ("IN,lk") as sorted, distinct codes."""
    given = [part for part in values.split(",") if part.strip()]
    if not given:
        raise InvalidInput(f"{field}: give at least one ISO 3166-1 alpha-2 code (e.g. {EXAMPLE}).")
    return tuple(sorted({country_code(field, part) for part in given}))


def code_for_recorded_text(text: str) -> str | None:
    """The code of the country `text` names: an alpha-2 or alpha-3 code, or a name (short,
    official or common) in English, French or Spanish, in any case and with or without
    accents. None if it names no country."""
    return _names().get(_folded(text))


def recorded_country(text: str) -> str:
    """The code of a country as any release recorded it: a code stays as it is; free text
    becomes the code it names, or `UNKNOWN_COUNTRY`."""
    if text in country_codes():
        return text
    return code_for_recorded_text(text) or UNKNOWN_COUNTRY


def upcast_country(state: dict[str, object]) -> None:
    """Turn an event's free-text `country` (as an earlier release stored it) into its code,
    keeping the text as typed in `country_as_recorded`. The stored bytes are not touched: this
    runs on the decoded event, each time it is read."""
    recorded = str(state["country"])
    state["country"] = recorded_country(recorded)
    state["country_as_recorded"] = recorded


def closest_code(text: str) -> str | None:
    """The code of the country whose name is closest to `text` (a typo: "Indai"), if any is
    close enough to suggest."""
    names = _names()
    found = difflib.get_close_matches(_folded(text), list(names), n=1, cutoff=0.8)
    return names[found[0]] if found else None


@cache
def _names() -> dict[str, str]:
    """Folded name or code → alpha-2 code, for every way of naming a country we recognise."""
    catalogs = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        for language in RECOGNISED_LANGUAGES
    ]
    found: dict[str, str] = {}
    for country in pycountry.countries:
        english = [
            getattr(country, attribute, None)
            for attribute in ("name", "official_name", "common_name")
        ]
        names = [name for name in english if name]
        translated = [catalog.gettext(name) for catalog in catalogs for name in names]
        for name in (country.alpha_2, country.alpha_3, *names, *translated):
            found.setdefault(_folded(name), country.alpha_2)
    return found


def _folded(text: str) -> str:
    """Compared without case, accents or punctuation: "Viêt Nam" and "viet-nam" meet.
    Invisible (format) characters are dropped, as the projections' cleaning drops them, so
    stored text and its cleaned copy in a read model fold alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = (
        c if c.isalnum() else " "
        for c in decomposed
        if not unicodedata.combining(c) and unicodedata.category(c) != "Cf"
    )
    return " ".join("".join(kept).split())
