"""Calendar arithmetic for the yearly activity clock (months, not 30-day blocks)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta


def add_months(moment: datetime, months: int) -> datetime:
    """The same day-of-month `months` later, clamped to the month's last day (Jan 31 → Feb 28)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def earliest_local_date(moment: datetime) -> date:
    """The earliest calendar date anywhere on Earth at `moment` (UTC-12), for "not too long
    ago" checks: a trainer west of Greenwich may rightly record a date UTC has left behind."""
    return (moment - timedelta(hours=12)).date()


def latest_local_date(moment: datetime) -> date:
    """The latest calendar date anywhere on Earth at `moment` (UTC+14), for "not in the future"
    checks: a trainer east of Greenwich may rightly record today's date before UTC reaches it."""
    return (moment + timedelta(hours=14)).date()
