"""A refusal as people read it: from the catalogs by its code and parameters, in their language.

The catalog (`service/i18n/locales/<lang>/LC_MESSAGES/refusals.po`) holds, for each code, the
sentence with its parameters by name (`{visited_on}`); dates among them are written in the
reader's locale, and a word among them (a status) as the catalog words it for that refusal
(`<code>.<parameter>.<value>`). A code the catalog does not know yet is shown as the domain's
own (English) reason, so a new refusal is never lost, only untranslated.

A warning (an enterprise outside the SME range: `domain/size_warnings.py`) is read the same
way, from the `warnings` catalog by its code and params; one recorded before warnings carried
a code reads in its words as recorded (`worded_warning`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.size_warnings import SizeWarning
from service.http.pages.rendering import local_date
from service.i18n import translations

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ReadableRefusal:
    """What the page shows beside the form."""

    text: str
    problems: tuple[str, ...] = ()


def readable(
    body: Mapping[str, Any], language: str, names: Mapping[str, str] | None = None
) -> ReadableRefusal:
    """The JSON body of a refusal (as the API and the idempotency store keep it), for a
    reader; `names` gives the names of ids the parameters may hold (enterprises)."""
    detail = str(body.get("detail", ""))
    problems = tuple(str(p) for p in body.get("problems", ()) if str(p) != detail)
    code, params = body.get("code"), body.get("params")
    if not isinstance(code, str):
        return ReadableRefusal(detail, problems)
    named = {
        key: (names or {}).get(value, value) if isinstance(value, str) else value
        for key, value in (params if isinstance(params, dict) else {}).items()
    }
    return ReadableRefusal(say(code, named, language, detail))


def worded_warning(warning: SizeWarning | None, language: str) -> str:
    """A size warning as the reader reads it ("" for none): from the catalogs by its code and
    params; a warning recorded as text alone (before codes) in its words as recorded."""
    if warning is None:
        return ""
    if warning.code is None:
        return warning.detail
    return say(warning.code, warning.params, language, warning.detail)


def say(code: str, params: Mapping[str, Any], language: str, fallback: str) -> str:
    template = translations(language).gettext(code)
    if template == code:  # not in the catalogs: the domain's own words
        return fallback
    shown = {name: _shown(code, name, value, language) for name, value in params.items()}
    try:
        return template.format(**shown)
    except (KeyError, IndexError, ValueError):  # a catalog naming a parameter not sent
        return fallback


def _shown(code: str, name: str, value: Any, language: str) -> str:
    """A parameter as the reader reads it: a word the catalogs translate for this refusal
    (`<code>.<parameter>.<value>`, e.g. a credential's status), a date in their locale, else
    as sent."""
    worded = f"{code}.{name}.{value}"
    translated = translations(language).gettext(worded)
    if translated != worded:
        return translated
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            return local_date(date.fromisoformat(value), language)
        except ValueError:
            return value
    return str(value)
