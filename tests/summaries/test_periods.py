"""The default reporting periods: the report of month M covers the 15th of M-1 to the 14th of M
(Decree 09/2019/NĐ-CP), in the tallies, the review queue's month filter, deadlines, reminders and the schedule."""

from datetime import date

import pytest

from collaborators.models import CollaboratorProfile
from core.periods import day_after, period_bounds, period_month
from reports.filters import ReportFilter
from reports.models import Report
from summaries.models import ReportingPeriod, Summary, UnitMonthTally
from summaries.services.compliance import compliance_reminders_send
from summaries.services.summaries import summaries_schedule_due
from tests.summaries.conftest import local, make_report

pytestmark = pytest.mark.clock


@pytest.fixture(autouse=True)
def decree_periods(settings):
    settings.REPORTING_PERIOD_START_DAY = 15


def test_a_day_belongs_to_the_month_whose_report_it_is_in():
    assert period_month(date(2026, 10, 14)) == date(2026, 10, 1)
    assert period_month(date(2026, 10, 15)) == date(2026, 11, 1)
    assert period_month(date(2026, 12, 31)) == date(2027, 1, 1)
    assert period_bounds(date(2026, 11, 1)) == (date(2026, 10, 15), date(2026, 11, 14))
    assert period_bounds(date(2027, 1, 1)) == (date(2026, 12, 15), date(2027, 1, 14))


def test_calendar_months_when_the_start_day_is_1(settings):
    settings.REPORTING_PERIOD_START_DAY = 1
    assert period_month(date(2026, 10, 31)) == date(2026, 10, 1)
    assert period_bounds(date(2027, 2, 1)) == (date(2027, 2, 1), date(2027, 2, 28))
    assert day_after(date(2026, 11, 30), 15) == date(2026, 12, 15)


def test_deadlines_fall_after_the_period_closes(db):
    period = ReportingPeriod.objects.month_of(date(2026, 11, 20))
    assert (period.starts_on, period.ends_on, period.month) == (
        date(2026, 11, 15),
        date(2026, 12, 14),
        date(2026, 12, 1),
    )
    assert str(period) == "Tháng 12/2026"
    assert period.collaborators_due_on == date(2026, 12, 15)
    assert period.reviews_due_on == date(2026, 12, 20)
    assert period.summary_due_on == date(2026, 12, 23)
    assert period.previous().ends_on == date(2026, 11, 14)


def test_a_report_sent_on_the_14th_and_one_on_the_15th_count_in_different_months(collaborator, city, unit_staff):
    before = make_report(collaborator, sent_at=local(2026, 10, 14, 23))
    after = make_report(collaborator, sent_at=local(2026, 10, 15, 0))
    totals = {
        month: sum(row.total for row in UnitMonthTally.objects.filter(unit=city, month=month))
        for month in (date(2026, 10, 1), date(2026, 11, 1))
    }
    assert totals == {date(2026, 10, 1): 1, date(2026, 11, 1): 1}
    listed = ReportFilter({"month": "2026-11", "status": ""}, queryset=Report.objects.all(), user=unit_staff).qs
    assert list(listed) == [after] and before not in listed


def test_reminders_in_the_last_days_of_the_period(collaborator, settings):
    CollaboratorProfile.objects.update_or_create(user=collaborator, defaults={"status": "active"})
    settings.SUMMARY_REMINDER_DAYS_BEFORE = 3
    assert compliance_reminders_send(today=date(2026, 11, 11)) == 0
    assert compliance_reminders_send(today=date(2026, 11, 12)) == 1  # due on the 15th
    assert compliance_reminders_send(today=date(2026, 11, 14)) == 0  # once per period


def test_the_schedule_compiles_the_last_period_after_the_review_deadline(collaborator, city):
    make_report(collaborator, sent_at=local(2026, 10, 20))  # in the period "11/2026"
    assert summaries_schedule_due(kind="monthly", today=date(2026, 11, 20)) == []
    queued = summaries_schedule_due(kind="monthly", today=date(2026, 11, 21))
    summary = Summary.objects.get(pk=queued[0])
    assert (summary.period.starts_on, summary.period.ends_on) == (date(2026, 10, 15), date(2026, 11, 14))
