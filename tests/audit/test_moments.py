"""How an auditor's dates and times are read: whole days, zones, and nothing guessed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.errors import InvalidInput
from service.app.audit.moments import parse_moment


@pytest.mark.parametrize(
    ("text", "end_of_day", "moment"),
    [
        ("2026-03-01", False, datetime(2026, 3, 1, tzinfo=UTC)),
        ("2026-03-01", True, datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2026-03-01T12:00:00Z", True, datetime(2026, 3, 1, 12, tzinfo=UTC)),
        ("2026-03-01T12:00:00+05:30", True, datetime(2026, 3, 1, 6, 30, tzinfo=UTC)),
        # "+" not encoded in a URL arrives as a space
        ("2026-03-01T12:00:00 05:30", True, datetime(2026, 3, 1, 6, 30, tzinfo=UTC)),
    ],
)
def test_dates_and_zoned_times_name_one_moment(
    text: str, end_of_day: bool, moment: datetime
) -> None:
    assert parse_moment(text, end_of_day=end_of_day) == moment


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2026-03-01 12:00", "time zone"),
        ("2026-03-01T12:00:00", "time zone"),
        ("1 March 2026", "is not a date"),
        ("2026-02-30", "is not a date"),
        ("0001-01-01T00:00:00+05:00", "outside the years 1 to 9999"),
        ("9999-12-31T23:59:59-05:00", "outside the years 1 to 9999"),
    ],
)
def test_anything_else_is_refused_with_the_form_to_use(text: str, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        parse_moment(text, end_of_day=True)
