"""Templates in the reader's language: one Jinja2 environment per language, built once.

Each environment has the i18n extension over that language's merged catalogs
(`service.i18n.translations`), new-style gettext (`_("%(n)s left", n=3)`, escaped), and
babel's formatting of dates and numbers in that language's locale as filters.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from service.i18n import locale, translations
from service.i18n.countries import country_name
from service.i18n.labels import step_titles

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


@cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,  # a misspelt name fails the test, not the reader
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["date"] = lambda value: local_date(value, language)
    env.filters["datetime"] = lambda value: local_datetime(value, language)
    env.filters["number"] = lambda value: local_number(value, language)
    env.filters["country"] = lambda code: country_name(code, language)  # ISO code → its name
    env.globals["STEP_TITLES"] = step_titles(language)  # read through `_labels.html`
    return env


def local_date(value: date | datetime | None, language: str) -> str:
    if value is None:
        return ""
    day = value.date() if isinstance(value, datetime) else value
    return format_date(day, format="long", locale=locale(language))


def local_datetime(value: datetime | None, language: str) -> str:
    if value is None:
        return ""
    return format_datetime(value, format="medium", tzinfo=value.tzinfo, locale=locale(language))


def local_number(value: float | int | None, language: str) -> str:
    return "" if value is None else format_decimal(value, locale=locale(language))
