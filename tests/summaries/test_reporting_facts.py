"""One fact for "reported in a period": the dashboard, compliance, the reminders and the roster filter
the dashboard links to all read the row the reports service writes at a report's first sending."""

import uuid
from datetime import date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.http import QueryDict

from collaborators.filters import PeopleFilter
from collaborators.models import CollaboratorProfile, CollaboratorStatus, ReportingActivity, Role
from collaborators.selectors import people_visible_to
from notifications.models import Notification
from reports.models import Report, ReportKind, ReportStatus, Topic
from reports.services import report_return, report_save
from summaries.services.compliance import compliance_reminders_send
from tests.factories import UserFactory

pytestmark = pytest.mark.clock

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
URL = "/dashboard/"
# Reporting periods run from the 15th to the 14th: 11/2026 is 15/10–14/11, 12/2026 is 15/11–14/12.
NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)


def at(month, day, hour=10):
    return datetime(2026, month, day, hour, tzinfo=HANOI)


def active(person):
    CollaboratorProfile.objects.update_or_create(user=person, defaults={"status": CollaboratorStatus.ACTIVE})
    return person


def data(title="Công nhân lo lắng về thưởng Tết"):
    return {
        "kind": ReportKind.OPINION,
        "topic": Topic.objects.order_by("order", "pk").first(),
        "title": title,
        "content": "Nhiều người hỏi doanh nghiệp có thưởng Tết như năm ngoái không.",
    }


def send(author, when, *, token=None, **fields):
    with time_machine.travel(when, tick=False):
        report, _changed = report_save(author=author, token=token or uuid.uuid4(), data=fields or data(), submit=True)
    return report


@pytest.fixture
def periods_of_the_decree(settings):
    settings.REPORTING_PERIOD_START_DAY = 15  # the summaries tests otherwise count in calendar months
    settings.SUMMARY_REMINDER_DAYS_BEFORE = 3


@pytest.fixture
def returned_and_resent(periods_of_the_decree, collaborator, unit_staff, grassroots):
    """``collaborator`` first sent a report in 11/2026; it was returned and sent again in 12/2026.
    A colleague in the same grassroots union sent a new report in 12/2026."""
    active(collaborator)
    colleague = active(UserFactory(unit=grassroots, role=Role.COLLABORATOR, full_name="Trần Thị Hoa"))
    report = send(collaborator, at(11, 10))
    with time_machine.travel(at(11, 12), tick=False):
        report_return(actor=unit_staff, report=report, reason="Bổ sung tên doanh nghiệp")
    resent = send(collaborator, at(11, 20), token=report.client_token, **data("Thưởng Tết ở KCN Thăng Long"))
    assert resent.pk == report.pk and resent.status == ReportStatus.SUBMITTED
    send(colleague, at(12, 1))
    return collaborator, colleague


def dashboard(client, staff, period=None):
    client.force_login(staff)
    response = client.get(URL, {"period": period} if period else {})
    assert response.status_code == 200
    return response


def roster_names(cell, viewer) -> set:
    params = QueryDict(urlsplit(cell["url"]).query)
    return {p.full_name for p in PeopleFilter(params, queryset=people_visible_to(viewer), user=viewer).qs}


def test_a_report_returned_and_sent_again_counts_in_the_period_of_its_first_sending_everywhere(
    client, returned_and_resent, unit_staff, union
):
    collaborator, colleague = returned_and_resent
    facts = ReportingActivity.objects.filter(person=collaborator).values_list("month", "first_reported_on")
    assert list(facts) == [(NOV, date(2026, 11, 10))]  # the resend on 20/11 wrote no row for 12/2026

    with time_machine.travel(at(12, 12), tick=False):  # in period 12/2026, in its reminder window
        compliance = dashboard(client, unit_staff).context["compliance"]
        # The dashboard: one of the two active collaborators reported this period, the colleague.
        assert (compliance["active"], compliance["reported"], compliance["missing_count"]) == (2, 1, 1)
        assert [person["name"] for person in compliance["missing"]] == [collaborator.full_name]
        # The roster lists the number links to agree with it.
        assert roster_names(compliance["reported_cell"], unit_staff) == {colleague.full_name}
        assert roster_names(compliance["missing_cell"], unit_staff) == {collaborator.full_name}
        # The reminders go to the one who has not reported this period.
        assert compliance_reminders_send() == 1
        reminded = Notification.objects.filter(kind="compliance_reminder").values_list("recipient", flat=True)
        assert list(reminded) == [collaborator.pk]

        # The previous period: the collaborator reported then (the first sending), the colleague not.
        previous = dashboard(client, unit_staff, "2026-11").context["compliance"]
        assert (previous["active"], previous["reported"], previous["missing_count"]) == (2, 1, 1)
        assert [person["name"] for person in previous["missing"]] == [colleague.full_name]
        # The tallies count the report there too.
        assert dashboard(client, unit_staff, "2026-11").context["headline"]["total"]["n"] == 1


def test_the_person_page_shows_the_first_report_of_the_latest_period(client, returned_and_resent, unit_staff):
    collaborator, _colleague = returned_and_resent
    with time_machine.travel(at(12, 12), tick=False):
        client.force_login(unit_staff)
        page = client.get(f"/roster/{collaborator.pk}/")
    assert page.status_code == 200
    assert page.context["activity"]["last_reported_on"] == date(2026, 11, 10)
    assert "10/11/2026" in page.content.decode()


def test_silent_units_are_those_whose_collaborators_have_not_reported_for_weeks(
    client, periods_of_the_decree, settings, collaborator, other_collaborator, unit_staff, federation_admin
):
    settings.SUMMARY_SILENT_WEEKS = 6
    active(collaborator)
    active(other_collaborator)
    send(collaborator, at(9, 20))  # period 10/2026, long ago
    send(other_collaborator, at(11, 25))  # period 12/2026
    with time_machine.travel(at(12, 12), tick=False):
        compliance = dashboard(client, federation_admin).context["compliance"]
    silent = {row["unit"].code: row["last"] for row in compliance["silent"]}
    assert silent == {collaborator.unit.code: date(2026, 9, 20)}
    assert compliance["silent_count"] == 1


def test_drafts_write_no_fact_and_nothing_reported_stays_unreported(periods_of_the_decree, collaborator):
    with time_machine.travel(at(12, 1), tick=False):
        report_save(author=collaborator, token=uuid.uuid4(), data=data(), submit=False)
    assert Report.objects.filter(author=collaborator).count() == 1
    assert not ReportingActivity.objects.filter(person=collaborator).exists()
