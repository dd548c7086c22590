"""Monthly reporting periods: which month a day is reported in, and the days a month covers.

Vietnamese periodic reports close their figures on the 14th: the report of month M covers the 15th
of M−1 to the 14th of M (Decree 09/2019/NĐ-CP, art. 12), so collaborators report by the 15th, unions
review by the 18th–20th and the city summary follows before the monthly briefing.
``REPORTING_PERIOD_START_DAY`` (default 15) sets the first day; 1 gives calendar months.
A period is named by its month (the first day of that month, e.g. 2026-11-01 for "11/2026").
"""

import calendar
from datetime import date, timedelta

from django.conf import settings


def start_day() -> int:
    return settings.REPORTING_PERIOD_START_DAY


def month_add(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_month(day: date) -> date:
    """The month whose report a day belongs to."""
    first = day.replace(day=1)
    if start_day() == 1 or day.day < start_day():
        return first
    return month_add(first, 1)


def period_bounds(month: date) -> tuple[date, date]:
    """First and last day (inclusive) of the period named by ``month``."""
    month = month.replace(day=1)
    if start_day() == 1:
        return month, month.replace(day=calendar.monthrange(month.year, month.month)[1])
    previous = month_add(month, -1)
    return previous.replace(day=start_day()), month.replace(day=start_day() - 1)


def day_after(end: date, day_of_month: int) -> date:
    """The first date after ``end`` that falls on ``day_of_month`` (clamped to the month's length)."""
    following = end + timedelta(days=1)
    for offset in (0, 1):
        month = month_add(following.replace(day=1), offset)
        candidate = month.replace(day=min(day_of_month, calendar.monthrange(month.year, month.month)[1]))
        if candidate >= following:
            return candidate
    return following
