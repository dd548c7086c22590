"""The report service writes the "reported in a period" fact once per person and period, at a report's
first sending, and announces each sending and review as a domain signal inside its transaction."""

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from collaborators.models import ReportingActivity
from reports.models import EventKind, Report, ReportStatus
from reports.services import report_accept, report_return, report_save
from reports.signals import report_reviewed, report_sent
from tests.reports.conftest import report_data

pytestmark = pytest.mark.clock

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(autouse=True)
def periods_of_the_decree(settings):
    settings.REPORTING_PERIOD_START_DAY = 15  # 11/2026 is 15/10–14/11, 12/2026 is 15/11–14/12


def send(author, day, hour=10, *, token=None):
    with time_machine.travel(datetime(2026, 11, day, hour, tzinfo=HANOI), tick=False):
        report, _changed = report_save(author=author, token=token or uuid.uuid4(), data=report_data(), submit=True)
    return report


def facts(person):
    rows = ReportingActivity.objects.filter(person=person).order_by("month")
    return list(rows.values_list("month", "first_reported_on"))


def test_two_reports_in_one_period_leave_one_fact_with_the_first_day(collaborator):
    send(collaborator, 3)
    send(collaborator, 9)
    send(collaborator, 3, hour=8, token=Report.objects.order_by("pk").first().client_token)  # a double click

    assert Report.objects.filter(author=collaborator).count() == 2
    assert facts(collaborator) == [(date(2026, 11, 1), date(2026, 11, 3))]


def test_the_14th_and_the_15th_are_two_periods(collaborator):
    send(collaborator, 14, hour=23)
    send(collaborator, 15, hour=0)

    assert facts(collaborator) == [(date(2026, 11, 1), date(2026, 11, 14)), (date(2026, 12, 1), date(2026, 11, 15))]


def test_sending_a_returned_report_again_in_the_next_period_writes_no_new_fact(collaborator, unit_staff):
    report = send(collaborator, 10)
    report_return(actor=unit_staff, report=report, reason="Bổ sung địa điểm")

    resent = send(collaborator, 20, token=report.client_token)

    assert resent.status == ReportStatus.SUBMITTED
    assert resent.first_submitted_at.date() == date(2026, 11, 10)  # its period stays that of the first sending
    assert facts(collaborator) == [(date(2026, 11, 1), date(2026, 11, 10))]


def test_each_sending_and_review_is_signalled_with_whether_it_is_a_resubmission(collaborator, unit_staff):
    heard = []

    def on_sent(sender, report, resubmission, **kwargs):
        heard.append(("sent", report.pk, resubmission))

    def on_reviewed(sender, report, event, **kwargs):
        heard.append(("reviewed", report.pk, event.kind))

    report_sent.connect(on_sent)
    report_reviewed.connect(on_reviewed)
    try:
        report = send(collaborator, 10)
        report_return(actor=unit_staff, report=report, reason="Bổ sung địa điểm")
        send(collaborator, 11, token=report.client_token)
        report_accept(actor=unit_staff, report=report)
    finally:
        report_sent.disconnect(on_sent)
        report_reviewed.disconnect(on_reviewed)

    assert heard == [
        ("sent", report.pk, False),
        ("reviewed", report.pk, EventKind.RETURNED),
        ("sent", report.pk, True),
        ("reviewed", report.pk, EventKind.ACCEPTED),
    ]


def test_a_failing_receiver_undoes_the_sending_and_its_fact(collaborator):
    def refuse(sender, **kwargs):
        raise RuntimeError("a receiver failed")

    report_sent.connect(refuse)
    try:
        # in a transaction of the caller's, as the form and the API send (report_save has no savepoint)
        with pytest.raises(RuntimeError), transaction.atomic():
            send(collaborator, 10)
    finally:
        report_sent.disconnect(refuse)

    assert not Report.objects.filter(author=collaborator).exists()
    assert facts(collaborator) == []
