"""The catalogs people read the service in: English, French and Spanish, the ILO's languages.

Every area keeps its own catalog file, `locales/<language>/LC_MESSAGES/<area>.po` (pages,
mail, refusals, credentials, ...), so areas change their messages without touching each
other's; the translations of a language are all of its catalogs merged. The `.po` files are
read as they are (no compiled `.mo` to keep in step), once per process.
"""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages import mofile, pofile
from babel.support import Translations

LANGUAGES: tuple[str, ...] = ("en", "fr", "es")
DEFAULT_LANGUAGE = "en"
LOCALES = Path(__file__).parent / "locales"


def catalog_files(language: str) -> list[Path]:
    return sorted((LOCALES / language / "LC_MESSAGES").glob("*.po"))


@cache
def translations(language: str) -> Translations:
    """All of a language's catalogs as one; an unknown language reads in the default one."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    merged = Translations()
    for path in catalog_files(language):
        with path.open("rb") as source:
            catalog = pofile.read_po(source, locale=language, domain=path.stem)
        compiled = BytesIO()
        mofile.write_mo(compiled, catalog)
        compiled.seek(0)
        merged.merge(Translations(fp=compiled, domain=path.stem))
    return merged


def locale(language: str) -> Locale:
    """Babel's locale for dates and numbers (`babel.dates.format_date(..., locale=...)`)."""
    return Locale.parse(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def choose_language(chosen: str | None, accept_language: str | None) -> str:
    """The person's own choice, else the browser's best match, else English."""
    if chosen in LANGUAGES:
        return chosen
    for wanted in _by_preference(accept_language or ""):
        primary = wanted.split("-")[0].lower()
        if primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


def _by_preference(header: str) -> list[str]:
    """The languages of an Accept-Language header, most wanted first (q=0 means 'not this')."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]
