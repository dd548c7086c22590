"""The summaries benchmark's hand-written SQL names the same reporting period as core.periods (15th to 14th)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from core.periods import period_month
from tests.prerequisites import needs_postgresql

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
MOMENTS = [
    datetime(2026, 11, 14, 23, 59, tzinfo=HCM),  # the last minute of November's period
    datetime(2026, 11, 15, 0, 0, tzinfo=HCM),  # the first of December's
    datetime(2026, 11, 14, 17, 30, tzinfo=ZoneInfo("UTC")),  # 15/11 00:30 in Hanoi: December's
    datetime(2026, 12, 31, 23, 0, tzinfo=HCM),  # the 15th rule across a year: January 2027
    datetime(2027, 1, 1, 8, 0, tzinfo=HCM),
    datetime(2027, 2, 28, 9, 0, tzinfo=HCM),
]


@pytest.mark.django_db
@pytest.mark.parametrize("start_day", [15, 1])
def test_the_benchmark_sql_month_is_the_apps_period(start_day, settings):
    needs_postgresql("the benchmark's SQL")
    from bench.summaries import MONTH

    settings.REPORTING_PERIOD_START_DAY = start_day
    with connection.cursor() as cursor:
        for moment in MOMENTS:
            cursor.execute(
                f"SELECT {MONTH} FROM (SELECT %(at)s::timestamptz AS first_submitted_at) r",  # noqa: S608
                {"at": moment, "tz": settings.TIME_ZONE, "start_day": start_day},
            )
            assert cursor.fetchone()[0] == period_month(moment.astimezone(HCM).date()), moment
