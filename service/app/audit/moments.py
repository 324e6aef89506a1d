"""Moments as auditors write them: a date (2026-03-01) or a time with its zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from domain.errors import InvalidInput

# In a URL an unencoded "+" arrives as a space: 2026-03-01T12:00:00 05:30 meant +05:30.
_UNENCODED_PLUS = re.compile(r"^(.*T[\d:.]+) (\d\d:\d\d)$")


def parse_moment(text: str, *, end_of_day: bool) -> datetime:
    """A date means its first instant (`end_of_day=False`) or its last one, UTC.

    A time must say its zone (…Z or …+05:30): the same wall-clock time names different
    moments in different countries, and an audit answer must not depend on a guess.
    """
    text = _UNENCODED_PLUS.sub(r"\1+\2", text.strip())
    try:
        if len(text) == len("2026-03-01"):
            day = date.fromisoformat(text)
            return datetime.combine(day, time.max if end_of_day else time.min, UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not a date (2026-03-01) or a time (2026-03-01T12:00:00Z)."
        ) from None
    if moment.tzinfo is None:
        raise InvalidInput(f"Give {text!r} a time zone, e.g. {text}Z for UTC.")
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+05:00 is before the first UTC instant
        raise InvalidInput(f"{text!r} falls outside the years 1 to 9999 in UTC.") from None
