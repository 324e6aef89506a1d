"""A request's field errors (pydantic's) in the reader's language.

Pydantic words its errors in English. The common kinds (a field missing, a text too short or
too long, not a date, not an e-mail address, a number out of range or not a number, not one
of the choices) are read from the `fields` catalogs by the error's type and its parameters;
English keeps pydantic's own words (the `en` catalog says the same), and a kind the catalogs
do not know stays in English.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from service.i18n import DEFAULT_LANGUAGE, translations

# pydantic's error type → the catalog's message id (its text takes the error's `ctx`).
MESSAGES = {
    "missing": "field_missing",
    "string_too_short": "field_too_short",
    "string_too_long": "field_too_long",
    "date_parsing": "field_not_a_date",
    "date_type": "field_not_a_date",
    "date_from_datetime_parsing": "field_not_a_date",
    "date_from_datetime_inexact": "field_not_a_date",
    "greater_than_equal": "field_at_least",
    "greater_than": "field_more_than",
    "less_than_equal": "field_at_most",
    "less_than": "field_less_than",
    "int_parsing": "field_not_a_whole_number",
    "int_from_float": "field_not_a_whole_number",
    "int_type": "field_not_a_whole_number",
    "float_parsing": "field_not_a_number",
    "float_type": "field_not_a_number",
    "enum": "field_not_a_choice",
    "literal_error": "field_not_a_choice",
    "too_short": "field_too_few_items",  # a list: the events of a webhook subscription
    "too_long": "field_too_many_items",
    "url_parsing": "field_not_a_url",
    "url_scheme": "field_not_a_url",
    "url_type": "field_not_a_url",
}
EMAIL_PROBLEM = "value is not a valid email address"


def field_problem(error: Mapping[str, Any], language: str) -> str:
    """One pydantic error (an item of `ValidationError.errors()`) as the reader reads it."""
    english = str(error["msg"])
    message = MESSAGES.get(error["type"])
    if error["type"] == "value_error" and english.startswith(EMAIL_PROBLEM):
        message = "field_not_an_email"
    if error["type"] == "string_too_short" and error.get("input") == "":
        message = "field_missing"  # a form's field left empty
    if language == DEFAULT_LANGUAGE or message is None:
        return english
    return translations(language).gettext(message).format(**(error.get("ctx") or {}))


def field_name(location: Sequence[int | str]) -> str:
    """The field an error is about: the first part of its location ("form" if none)."""
    return str(location[0]) if location else "form"


def field_problems(errors: Iterable[Mapping[str, Any]], language: str) -> tuple[str, ...]:
    """Each error as "field: problem", the problem in the reader's language."""
    return tuple(f"{field_name(e['loc'])}: {field_problem(e, language)}" for e in errors)
