"""One rule names a report's author everywhere: after the author withdraws consent, only the reviewers who
must act on a waiting report (and the author) read the name; the report's page and timeline, its history,
the queue, the rumour's sightings, the API (list, detail, timeline), the exports and the notifications
all follow ``reports.selectors.author_states``."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from collaborators.services.people import consent_give, consent_withdraw
from notifications.models import Notification
from reports.models import ReportKind
from reports.selectors import ANONYMISED, NAMED, REVIEWER, WITHHELD, author_states
from reports.services import report_accept, report_comment, rumour_create
from tests.api.conftest import api_client, token_for
from tests.clock import frozen_clock
from tests.reports.conftest import make_report

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

_clock = frozen_clock(datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))

NAME = "Phạm Văn Hùng"  # the collaborator fixture's name


@pytest.fixture
def withdrawn(collaborator, unit_staff):
    """A waiting report, a reviewed one with a comment by its author, both urgent (reviewers are told);
    then the author withdraws consent."""
    assert collaborator.full_name == NAME
    consent_give(user=collaborator, version="2025-10")
    waiting = make_report(collaborator, title="Chờ xử lý", urgent=True)
    reviewed = make_report(collaborator, title="Đã xử lý", urgent=True, kind=ReportKind.RUMOUR)
    report_comment(actor=collaborator, report=reviewed, text="Tôi bổ sung thêm", internal=False)
    reviewed = report_accept(actor=unit_staff, report=reviewed)
    assert reviewed.status == "accepted"
    consent_withdraw(user=collaborator)
    return {"waiting": waiting, "reviewed": reviewed}


def test_the_states_follow_the_rule(withdrawn, collaborator, unit_staff, other_staff, federation_admin):
    reports = [withdrawn["waiting"], withdrawn["reviewed"]]
    assert author_states(reports, unit_staff) == {reports[0].pk: REVIEWER, reports[1].pk: WITHHELD}
    assert author_states(reports, federation_admin)[reports[1].pk] == WITHHELD
    assert author_states(reports, collaborator) == {reports[0].pk: NAMED, reports[1].pk: NAMED}
    reports[1].author_id = None
    assert author_states(reports, unit_staff)[reports[1].pk] == ANONYMISED


def test_the_page_timeline_and_history_withhold_the_name(client, withdrawn, unit_staff, collaborator):
    client.force_login(unit_staff)
    reviewed = withdrawn["reviewed"]
    for name in ("reports:detail", "reports:history"):
        page = client.get(reverse(name, args=[reviewed.pk])).content.decode()
        assert NAME not in page, name
    page = client.get(reverse("reports:detail", args=[reviewed.pk])).content.decode()
    assert 'data-testid="author-withheld"' in page and "Tôi bổ sung thêm" in page
    page = client.get(reverse("reports:detail", args=[withdrawn["waiting"].pk])).content.decode()
    assert NAME in page and 'data-testid="author-shown-to-reviewer"' in page
    client.force_login(collaborator)
    assert NAME in client.get(reverse("reports:detail", args=[reviewed.pk])).content.decode()  # their own


def test_the_queue_and_the_rumours_sightings_do_not_name_the_author(client, withdrawn, unit_staff):
    rumour = rumour_create(actor=unit_staff, title="Tin đồn cắt giảm", report=withdrawn["reviewed"])
    client.force_login(unit_staff)
    for url in (
        reverse("reports:list"),
        reverse("reports:list") + "?q=xu+ly",
        reverse("reports:rumour_detail", args=[rumour.pk]),
    ):
        page = client.get(url)
        assert page.status_code == 200 and NAME not in page.content.decode(), url
    assert "Đã xử lý" in client.get(reverse("reports:rumour_detail", args=[rumour.pk])).content.decode()


def test_the_api_names_the_author_only_to_the_reviewers_of_a_waiting_report(withdrawn, unit_staff, collaborator):
    client = api_client(token_for(unit_staff))
    listed = {row["id"]: row for row in client.get(reverse("api:reports")).json()["results"]}
    waiting, reviewed = listed[withdrawn["waiting"].pk], listed[withdrawn["reviewed"].pk]
    assert (waiting["author"], waiting["author_name"]) == (collaborator.pk, NAME)
    assert reviewed["author"] is None and NAME not in reviewed["author_name"]
    detail = client.get(reverse("api:report", args=[withdrawn["reviewed"].pk])).json()
    assert detail["author"] is None and NAME not in str(detail)
    assert "Tôi bổ sung thêm" in str(detail["events"])


def test_exports_withhold_the_name(client, withdrawn, unit_staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(unit_staff)
    response = client.get(reverse("reports:export", kwargs={"fmt": "csv"}))
    text = (
        b"".join(response.streaming_content).decode("utf-8-sig")
        if response.streaming
        else response.content.decode("utf-8-sig")
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) >= 2 and NAME not in text
    assert "rút lại sự đồng ý" in rows[1][3]  # the author column says why


def test_notifications_about_the_reports_do_not_name_the_author(withdrawn):
    told = Notification.objects.exclude(recipient__username="collab")
    assert told.filter(kind="report_urgent").count() >= 2
    assert not [n for n in told if NAME in n.subject or NAME in n.body]
