"""Staff review: the queue and its filters, each action's success and refusal, notifications,
bulk accept, overdue flagging, exports and query counts."""

import csv
import io
import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from collaborators.models import ExportRecord, Role
from core import fragments
from notifications.models import Notification
from reports.models import AlertLevel, EventKind, Report, ReportEvent, ReportKind, ReportStatus, Topic
from reports.services import report_accept, report_assign, report_escalate, report_return, reports_flag_overdue
from tests.clock import frozen_clock
from tests.factories import UserFactory
from tests.reports.conftest import make_report

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
_clock = frozen_clock()  # the tests build their dates from "now"

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def vi(msgid: str) -> str:
    """A message as the Vietnamese interface shows it (the same before and after translation)."""
    with translation.override("vi"):
        return gettext(msgid)


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def notified(user, kind) -> int:
    return Notification.objects.filter(recipient=user, kind=kind).count()


def set_submitted_at(report, when):
    Report.objects.filter(pk=report.pk).update(submitted_at=when, first_submitted_at=when)


# --- the queue ---------------------------------------------------------------------------------


def test_a_collaborator_asking_for_the_queue_is_sent_to_their_own_reports(client, collaborator):
    client.force_login(collaborator)
    response = client.get(reverse("reports:list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:mine")


def test_staff_see_the_submitted_reports_of_their_subtree_only(client, unit_staff, submitted_report, other_report):
    draft = make_report(submitted_report.author, submit=False, title="Bản nháp riêng tư")
    client.force_login(unit_staff)
    response = client.get(reverse("reports:list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert submitted_report.title in page
    assert other_report.title not in page
    assert draft.title not in page


def test_the_queue_orders_urgent_then_alert_level_then_age(client, unit_staff, collaborator):
    old = make_report(collaborator, title="Cũ nhất")
    newer = make_report(collaborator, title="Mới hơn")
    hot = make_report(collaborator, title="Điểm nóng")
    urgent = make_report(collaborator, title="Báo cáo nhanh", urgent=True)
    now = timezone.now()
    set_submitted_at(old, now - timedelta(days=3))
    set_submitted_at(newer, now - timedelta(days=1))
    Report.objects.filter(pk=hot.pk).update(alert_level=AlertLevel.HOT_SPOT)
    client.force_login(unit_staff)
    rows = list(client.get(reverse("reports:list")).context["page"])
    assert [r.title for r in rows] == ["Báo cáo nhanh", "Điểm nóng", "Cũ nhất", "Mới hơn"]
    assert urgent.pk == rows[0].pk


def test_the_queue_counts_each_status_for_the_other_filters(client, unit_staff, collaborator):
    for i in range(3):
        make_report(collaborator, title=f"Chờ duyệt {i}")
    accepted = make_report(collaborator, title="Đã nhận")
    report_accept(actor=unit_staff, report=accepted)
    make_report(collaborator, title="Tin đồn khác", kind=ReportKind.RUMOUR)
    client.force_login(unit_staff)
    response = client.get(reverse("reports:list"), {"kind": ReportKind.OPINION})
    counts = {value: count for value, _label, count in response.context["status_counts"]}
    assert counts[ReportStatus.SUBMITTED] == 3
    assert counts[ReportStatus.ACCEPTED] == 1
    assert response.context["status_total"] == 4
    assert response.context["page"].paginator.count == 3  # the default status: waiting for review


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "luong thang"}, {"Lương tháng 13"}),
        ({"kind": "rumour"}, {"Tin đồn xăng"}),
        ({"urgent": "true"}, {"Khẩn cấp"}),
        ({"alert_level": "watch"}, {"Cần theo dõi"}),
        ({"overdue": "true"}, {"Quá hạn"}),
        ({"mine": "on"}, {"Giao cho tôi"}),
    ],
)
def test_the_queue_filters(client, unit_staff, collaborator, params, expected):
    make_report(collaborator, title="Lương tháng 13")
    make_report(collaborator, title="Tin đồn xăng", kind=ReportKind.RUMOUR)
    make_report(collaborator, title="Khẩn cấp", urgent=True)
    watch = make_report(collaborator, title="Cần theo dõi")
    Report.objects.filter(pk=watch.pk).update(alert_level=AlertLevel.WATCH)
    late = make_report(collaborator, title="Quá hạn")
    set_submitted_at(late, timezone.now() - timedelta(hours=200))
    mine = make_report(collaborator, title="Giao cho tôi")
    report_assign(actor=unit_staff, report=mine, assignee=unit_staff)
    client.force_login(unit_staff)
    rows = client.get(reverse("reports:list"), params).context["page"]
    assert {r.title for r in rows} == expected


def test_the_queue_filters_by_topic_unit_and_period(client, unit_staff, collaborator, union, grassroots):
    topics = list(Topic.objects.order_by("pk")[:2])
    first = make_report(collaborator, title="Chủ đề một", topic=topics[0])
    second = make_report(collaborator, title="Chủ đề hai", topic=topics[1])
    union_collab = UserFactory(unit=union, role=Role.COLLABORATOR)
    at_union = make_report(union_collab, title="Ở công đoàn phường", topic=topics[0])
    # Fixed times in Hanoi time: the filters read local dates, whatever the hour the test runs at.
    hanoi = ZoneInfo("Asia/Ho_Chi_Minh")
    set_submitted_at(first, datetime(2024, 3, 10, 10, 0, tzinfo=hanoi))
    set_submitted_at(second, datetime(2024, 4, 2, 10, 0, tzinfo=hanoi))
    client.force_login(unit_staff)

    def titles(**params):
        return {r.title for r in client.get(reverse("reports:list"), params).context["page"]}

    assert titles(topic=topics[1].pk) == {"Chủ đề hai"}
    assert titles(unit=grassroots.pk) == {"Chủ đề một", "Chủ đề hai"}
    assert titles(month="2024-03") == {"Chủ đề một"}
    assert titles(submitted_after="2024-03-01", submitted_before="2024-03-31") == {"Chủ đề một"}
    assert titles(submitted_after="2024-04-01", submitted_before="2024-04-02") == {"Chủ đề hai"}
    assert at_union.title in titles()


def test_overdue_rows_are_flagged_on_the_queue(client, unit_staff, collaborator, settings):
    settings.REPORT_OVERDUE_HOURS = 24
    late = make_report(collaborator, title="Chờ lâu")
    make_report(collaborator, title="Mới gửi")
    set_submitted_at(late, timezone.now() - timedelta(hours=30))
    client.force_login(unit_staff)
    response = client.get(reverse("reports:list"))
    flags = {r.title: r.is_overdue for r in response.context["page"]}
    assert flags == {"Chờ lâu": True, "Mới gửi": False}
    assert response.content.decode().count('data-testid="overdue-badge"') == 1


def test_the_kept_rows_show_a_review_at_once_and_a_row_turning_overdue_within_a_minute(
    client, unit_staff, collaborator, settings
):
    import time_machine

    settings.REPORT_OVERDUE_HOURS = 24
    report = make_report(collaborator, title="Chờ xem xét")
    client.force_login(unit_staff)
    url = reverse("reports:list")

    def rows(**params):
        page = client.get(url, params).content.decode()
        return page[page.index("<tbody>") : page.index("</tbody>")]

    first = rows(status="")
    assert rows(status="") == first  # kept: the same rows
    report_accept(actor=unit_staff, report=report)  # a write of a report: the rows render again
    accepted = rows(status="")
    assert accepted != first and gettext("Accepted") in accepted
    assert 'data-testid="overdue-badge"' not in rows()
    waiting = make_report(collaborator, title="Chờ lâu")
    assert 'data-testid="overdue-badge"' not in rows()
    # It has waited a day (written without a signal, as time passing writes nothing): the rows kept this
    # minute may still say otherwise, the next minute's do not.
    set_submitted_at(waiting, timezone.now() - timedelta(hours=25))
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        assert 'data-testid="overdue-badge"' in rows()


def test_export_links_carry_the_filters(client, unit_staff, submitted_report):
    client.force_login(unit_staff)
    page = client.get(reverse("reports:list"), {"kind": "opinion", "q": "lương"}).content.decode()
    query = "?kind=opinion&amp;q=l%C6%B0%C6%A1ng&amp;status=submitted"
    assert reverse("reports:export", kwargs={"fmt": "csv"}) + query in page
    # The Excel button posts the same query to the job that builds the file.
    assert 'name="query" value="kind=opinion&amp;q=l%C6%B0%C6%A1ng&amp;status=submitted"' in page


def test_hostile_text_is_escaped_on_the_queue(client, unit_staff, collaborator):
    make_report(collaborator, title=XSS, content=XSS)
    client.force_login(unit_staff)
    page = client.get(reverse("reports:list"), {"q": "alert"}).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "<img src=x" not in page


def test_the_queue_query_count_does_not_grow_with_the_reports(client, unit_staff, collaborator):
    for i in range(5):
        make_report(collaborator, title=f"Báo cáo {i}", urgent=i == 0)
    client.force_login(unit_staff)
    url = reverse("reports:list")
    client.get(url)
    fragments.bump(fragments.FIGURES)  # measured without the cached status counts
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(45):
        make_report(collaborator, title=f"Thêm {i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["page"]) == 50
    # session, person, scope, status counts, the page, unread notifications, the session's save (3)
    assert len(many) == len(few) <= 10


def _topic_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "reports_topic"')]


def test_the_queue_filter_form_is_rendered_once_and_follows_its_choices(client, unit_staff, collaborator):
    make_report(collaborator, title="Một báo cáo")
    unused = Topic.objects.order_by("order", "pk")[1]  # no row of the page shows it: only the form does
    client.force_login(unit_staff)
    url = reverse("reports:list")
    client.get(url)
    with CaptureQueriesContext(connection) as again:
        page = client.get(url).content.decode()
    assert not _topic_queries(again)  # the form's fields came from the cache
    assert f'<option value="{unused.pk}">{unused.name}</option>' in page
    report_accept(actor=unit_staff, report=make_report(collaborator, title="Thêm"))
    with CaptureQueriesContext(connection) as after_reports:
        client.get(url)
    assert not _topic_queries(after_reports)  # reports written and reviewed do not move the form's version
    unused.name = "Chủ đề vừa đổi tên"
    unused.save()
    page = client.get(url).content.decode()
    assert f'<option value="{unused.pk}">Chủ đề vừa đổi tên</option>' in page


def test_the_queue_filter_form_of_each_scope_lists_its_own_units(
    client, unit_staff, other_staff, grassroots, other_union
):
    client.force_login(unit_staff)
    own = client.get(reverse("reports:list")).content.decode()
    assert f'data-code="{grassroots.code}"' in own
    assert f'data-code="{other_union.code}"' not in own
    client.force_login(other_staff)
    other = client.get(reverse("reports:list")).content.decode()
    assert f'data-code="{other_union.code}"' in other
    assert f'data-code="{grassroots.code}"' not in other


def test_the_queue_filter_form_keeps_the_filters_given(client, unit_staff, grassroots):
    client.force_login(unit_staff)
    url = reverse("reports:list")
    client.get(url)
    page = client.get(url, {"q": "lương", "unit": grassroots.pk}).content.decode()
    assert 'value="lương"' in page
    assert re.search(rf'<option value="{grassroots.pk}"[^>]* selected', page)
    assert 'value="lương"' not in client.get(url).content.decode()


# --- one report ----------------------------------------------------------------------------------


def test_staff_see_the_report_its_whole_timeline_and_the_actions(client, unit_staff, submitted_report):
    report_assign(actor=unit_staff, report=submitted_report, assignee=unit_staff)
    client.force_login(unit_staff)
    response = client.get(reverse("reports:detail", args=[submitted_report.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert submitted_report.title in page
    assert 'data-testid="accept-form"' in page
    assert 'data-testid="internal-badge"' in page  # the assignment is internal
    kinds = [e.kind for e in response.context["events"]]
    assert kinds == [EventKind.CREATED, EventKind.SUBMITTED, EventKind.ASSIGNED]


def test_the_author_sees_the_report_without_internal_entries(client, collaborator, unit_staff, submitted_report):
    report_assign(actor=unit_staff, report=submitted_report, assignee=unit_staff)
    report_return(actor=unit_staff, report=submitted_report, reason="Bổ sung địa điểm cụ thể")
    client.force_login(collaborator)
    response = client.get(reverse("reports:detail", args=[submitted_report.pk]))
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "reports/author_detail.html"
    page = response.content.decode()
    assert "Bổ sung địa điểm cụ thể" in page
    assert EventKind.ASSIGNED not in [e.kind for e in response.context["events"]]
    assert 'data-testid="accept-form"' not in page
    assert reverse("reports:edit", args=[submitted_report.pk]) in page  # fix and resubmit


def test_other_people_get_404_on_a_report(client, submitted_report, other_staff, other_collaborator):
    for person in (other_staff, other_collaborator):
        client.force_login(person)
        assert client.get(reverse("reports:detail", args=[submitted_report.pk])).status_code == 404


def test_hostile_text_is_escaped_on_the_report_page(client, unit_staff, collaborator):
    report = make_report(collaborator, title=XSS, content=XSS, place=XSS, group_concerned=XSS, kind=ReportKind.RUMOUR)
    client.force_login(unit_staff)
    client.post(reverse("reports:comment", args=[report.pk]), {"comment-text": XSS, "comment-internal": "on"})
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert page.count("&lt;script&gt;") >= 4


def test_the_report_page_query_count_does_not_grow_with_the_reports(client, unit_staff, collaborator):
    reports = [make_report(collaborator, title=f"Tin đồn {i}", kind=ReportKind.RUMOUR) for i in range(5)]
    client.force_login(unit_staff)
    url = reverse("reports:detail", args=[reports[0].pk])
    client.get(url)
    fragments.bump(fragments.FIGURES)  # measured without the cached status counts
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(45):
        make_report(collaborator, title=f"Thêm {i}", kind=ReportKind.RUMOUR)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few) <= 15


# --- actions -------------------------------------------------------------------------------------


def test_accepting_a_report_notifies_its_author(client, unit_staff, collaborator, submitted_report):
    client.force_login(unit_staff)
    response = client.post(reverse("reports:accept", args=[submitted_report.pk]), {"accept-note": "Tốt"})
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:detail", args=[submitted_report.pk])
    submitted_report.refresh_from_db()
    assert submitted_report.status == ReportStatus.ACCEPTED
    assert submitted_report.assignee == unit_staff
    assert notified(collaborator, "report_accepted") == 1
    event = submitted_report.events.get(kind=EventKind.ACCEPTED)
    assert (event.actor, event.note) == (unit_staff, "Tốt")


def test_accepting_a_report_already_accepted_is_refused(client, unit_staff, submitted_report):
    report_accept(actor=unit_staff, report=submitted_report)
    client.force_login(unit_staff)
    response = client.post(reverse("reports:accept", args=[submitted_report.pk]))
    assert response.status_code == 302
    assert submitted_report.events.filter(kind=EventKind.ACCEPTED).count() == 1
    with translation.override("vi"):
        expected = gettext("This report is “%(status)s”; only a submitted report can be reviewed.") % {
            "status": ReportStatus.ACCEPTED.label
        }
    assert expected in message_texts(response)


def test_returning_needs_a_reason_and_notifies_the_author(client, unit_staff, collaborator, submitted_report):
    client.force_login(unit_staff)
    url = reverse("reports:return", args=[submitted_report.pk])
    refused = client.post(url, {"return-reason": "   "})
    submitted_report.refresh_from_db()
    assert submitted_report.status == ReportStatus.SUBMITTED
    assert vi("Give the reason: the collaborator will read it.") in message_texts(refused)
    assert notified(collaborator, "report_returned") == 0

    client.post(url, {"return-reason": "Thiếu thời gian, địa điểm"})
    submitted_report.refresh_from_db()
    assert submitted_report.status == ReportStatus.RETURNED
    notification = Notification.objects.get(recipient=collaborator, kind="report_returned")
    assert notification.body == "Thiếu thời gian, địa điểm"


def test_rejecting_needs_a_reason_and_notifies_the_author(client, unit_staff, collaborator, submitted_report):
    client.force_login(unit_staff)
    url = reverse("reports:reject", args=[submitted_report.pk])
    client.post(url, {"reject-reason": ""})
    submitted_report.refresh_from_db()
    assert submitted_report.status == ReportStatus.SUBMITTED
    client.post(url, {"reject-reason": "Trùng với báo cáo trước"})
    submitted_report.refresh_from_db()
    assert submitted_report.status == ReportStatus.REJECTED
    assert notified(collaborator, "report_rejected") == 1


def test_the_alert_level_is_set_and_recorded_internally(client, unit_staff, submitted_report):
    client.force_login(unit_staff)
    client.post(reverse("reports:alert", args=[submitted_report.pk]), {"alert-level": "complex", "alert-note": ""})
    submitted_report.refresh_from_db()
    assert submitted_report.alert_level == AlertLevel.COMPLEX
    assert submitted_report.events.get(kind=EventKind.ALERT).internal
    refused = client.post(reverse("reports:alert", args=[submitted_report.pk]), {"alert-level": "apocalypse"})
    assert message_texts(refused)
    submitted_report.refresh_from_db()
    assert submitted_report.alert_level == AlertLevel.COMPLEX


def test_assigning_to_a_colleague_notifies_them(client, unit_staff, union, submitted_report):
    colleague = UserFactory(unit=union, role=Role.STAFF, full_name="Đỗ Văn Bình")
    client.force_login(unit_staff)
    client.post(reverse("reports:assign", args=[submitted_report.pk]), {"assign-assignee": colleague.pk})
    submitted_report.refresh_from_db()
    assert submitted_report.assignee == colleague
    assert notified(colleague, "report_assigned") == 1


def test_assigning_to_someone_out_of_scope_is_refused(client, unit_staff, other_staff, collaborator, submitted_report):
    client.force_login(unit_staff)
    for outsider in (other_staff, collaborator):  # another union's staff; not a reviewer
        response = client.post(reverse("reports:assign", args=[submitted_report.pk]), {"assign-assignee": outsider.pk})
        assert message_texts(response)
    submitted_report.refresh_from_db()
    assert submitted_report.assignee is None
    assert not submitted_report.events.filter(kind=EventKind.ASSIGNED).exists()
    with pytest.raises(Exception) as excinfo:
        report_assign(actor=unit_staff, report=submitted_report, assignee=other_staff)
    assert vi("Choose a reviewer among the staff of your unit.") in excinfo.value.messages


def test_escalating_needs_a_note_and_notifies_the_staff_above(
    client, unit_staff, federation_admin, city, submitted_report
):
    client.force_login(unit_staff)
    url = reverse("reports:escalate", args=[submitted_report.pk])
    refused = client.post(url, {"escalate-note": ""})
    assert vi("Say why you escalate this report.") in message_texts(refused)
    submitted_report.refresh_from_db()
    assert submitted_report.escalated_to is None
    client.post(url, {"escalate-note": "Có nguy cơ ngừng việc tập thể"})
    submitted_report.refresh_from_db()
    assert submitted_report.escalated_to == city
    assert notified(federation_admin, "report_escalated") == 1
    assert notified(unit_staff, "report_escalated") == 0


def test_escalating_at_the_root_is_refused(client, federation_admin, submitted_report):
    client.force_login(federation_admin)
    response = client.post(reverse("reports:escalate", args=[submitted_report.pk]), {"escalate-note": "Lên nữa"})
    assert vi("There is no unit above to escalate to.") in message_texts(response)
    submitted_report.refresh_from_db()
    assert submitted_report.escalated_to is None
    with pytest.raises(Exception):
        report_escalate(actor=federation_admin, report=submitted_report, note="Lên nữa")


def test_internal_comments_stay_with_staff_public_ones_reach_the_author(
    client, unit_staff, collaborator, submitted_report
):
    client.force_login(unit_staff)
    url = reverse("reports:comment", args=[submitted_report.pk])
    client.post(url, {"comment-text": "Ghi chú nội bộ", "comment-internal": "on"})
    client.post(url, {"comment-text": "Cảm ơn đồng chí"})
    refused = client.post(url, {"comment-text": " "})
    assert vi("Write the comment.") in message_texts(refused)
    assert notified(collaborator, "report_comment") == 1
    client.force_login(collaborator)
    page = client.get(reverse("reports:detail", args=[submitted_report.pk])).content.decode()
    assert "Cảm ơn đồng chí" in page
    assert "Ghi chú nội bộ" not in page


def test_actions_are_post_only_and_for_staff_only(client, collaborator, unit_staff, submitted_report):
    client.force_login(unit_staff)
    assert client.get(reverse("reports:accept", args=[submitted_report.pk])).status_code == 405
    client.force_login(collaborator)
    for name in ("accept", "return", "reject", "alert", "assign", "escalate", "comment", "link_rumour"):
        assert client.post(reverse(f"reports:{name}", args=[submitted_report.pk])).status_code == 404
    submitted_report.refresh_from_db()
    assert submitted_report.status == ReportStatus.SUBMITTED


def test_staff_of_another_union_get_404_on_every_action(client, other_staff, submitted_report):
    client.force_login(other_staff)
    response = client.post(reverse("reports:accept", args=[submitted_report.pk]))
    assert response.status_code == 404
    submitted_report.refresh_from_db()
    assert submitted_report.status == ReportStatus.SUBMITTED


# --- notifications written by the services ----------------------------------------------------


def test_an_urgent_report_notifies_the_units_reviewers_and_the_federation_at_once(
    collaborator, unit_staff, federation_admin, other_staff
):
    report = make_report(collaborator, title="Công nhân ngừng việc", urgent=True)
    assert notified(unit_staff, "report_urgent") == 1
    assert notified(federation_admin, "report_urgent") == 1
    assert notified(other_staff, "report_urgent") == 0
    link = Notification.objects.get(recipient=unit_staff, kind="report_urgent").link
    assert link == reverse("reports:detail", args=[report.pk])


def test_an_ordinary_report_notifies_nobody_on_submission(collaborator, unit_staff, federation_admin):
    make_report(collaborator)
    assert not Notification.objects.filter(kind="report_urgent").exists()


# --- bulk accept -------------------------------------------------------------------------------


def test_bulk_accept_touches_only_submitted_reports_in_scope(client, unit_staff, collaborator, other_collaborator):
    mine = [make_report(collaborator, title=f"Của tôi {i}") for i in range(2)]
    returned = make_report(collaborator, title="Đã trả lại")
    report_return(actor=unit_staff, report=returned, reason="Thiếu")
    outside = make_report(other_collaborator, title="Ngoài phạm vi")
    draft = make_report(collaborator, submit=False, title="Nháp")
    client.force_login(unit_staff)
    ids = [r.pk for r in (*mine, returned, outside, draft)] + ["x", "999999"]
    response = client.post(reverse("reports:bulk_accept"), {"reports": ids, "query": "status=submitted&kind=opinion"})
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:list") + "?status=submitted&kind=opinion"
    statuses = dict(Report.objects.values_list("title", "status"))
    assert statuses == {
        "Của tôi 0": "accepted",
        "Của tôi 1": "accepted",
        "Đã trả lại": "returned",
        "Ngoài phạm vi": "submitted",
        "Nháp": "draft",
    }
    assert notified(collaborator, "report_accepted") == 2
    assert notified(other_collaborator, "report_accepted") == 0


def test_bulk_accept_is_for_staff_only(client, collaborator, submitted_report):
    client.force_login(collaborator)
    assert client.post(reverse("reports:bulk_accept"), {"reports": [submitted_report.pk]}).status_code == 404
    submitted_report.refresh_from_db()
    assert submitted_report.status == ReportStatus.SUBMITTED


# --- overdue -------------------------------------------------------------------------------------


def test_overdue_reports_are_flagged_and_their_reviewers_notified_once(
    collaborator, unit_staff, other_collaborator, other_staff, settings
):
    settings.REPORT_OVERDUE_HOURS = 48
    late = make_report(collaborator, title="Chờ quá lâu")
    fresh = make_report(collaborator, title="Vừa gửi")
    other_late = make_report(other_collaborator, title="Chờ lâu bên kia")
    for report in (late, other_late):
        set_submitted_at(report, timezone.now() - timedelta(hours=49))
    assert reports_flag_overdue() == 2
    assert reports_flag_overdue() == 0  # a second run changes nothing
    assert notified(unit_staff, "report_overdue") == 1
    assert notified(other_staff, "report_overdue") == 1
    assert ReportEvent.objects.filter(report=late, kind=EventKind.OVERDUE, internal=True).count() == 1
    assert not ReportEvent.objects.filter(report=fresh, kind=EventKind.OVERDUE).exists()


def test_the_periodic_task_flags_overdue_reports(collaborator, unit_staff, settings):
    from reports.tasks import flag_overdue_reports

    late = make_report(collaborator)
    set_submitted_at(late, timezone.now() - timedelta(hours=settings.REPORT_OVERDUE_HOURS + 1))
    assert flag_overdue_reports.delay().get() == 1
    assert flag_overdue_reports.delay().get() == 0
    assert notified(unit_staff, "report_overdue") == 1


# --- history -------------------------------------------------------------------------------------


def test_staff_read_who_changed_what_in_a_reports_history(client, unit_staff, submitted_report):
    report_accept(actor=unit_staff, report=submitted_report)
    client.force_login(unit_staff)
    response = client.get(reverse("reports:history", args=[submitted_report.pk]))
    assert response.status_code == 200
    entries = response.context["entries"]
    newest = entries[0]
    changed = {str(c["field"]): (c["old"], c["new"]) for c in newest["changes"]}
    status_label = str(Report._meta.get_field("status").verbose_name)
    assert changed[status_label] == (ReportStatus.SUBMITTED.label, ReportStatus.ACCEPTED.label)


def test_the_history_is_for_staff_in_scope_only(client, collaborator, other_staff, submitted_report):
    client.force_login(collaborator)
    assert client.get(reverse("reports:history", args=[submitted_report.pk])).status_code == 404
    client.force_login(other_staff)
    assert client.get(reverse("reports:history", args=[submitted_report.pk])).status_code == 404


# --- export --------------------------------------------------------------------------------------


def csv_rows(response):
    assert response.streaming  # sent while it is produced
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_export_holds_the_filtered_queue_neutralised_and_is_recorded(
    client, unit_staff, collaborator, other_collaborator
):
    make_report(collaborator, title='=HYPERLINK("http://evil","click")', content="+cmd|' /C calc'!A0")
    make_report(collaborator, title="Tin đồn", kind=ReportKind.RUMOUR)
    make_report(other_collaborator, title="Ngoài phạm vi")
    client.force_login(unit_staff)
    response = client.get(reverse("reports:export", kwargs={"fmt": "csv"}), {"kind": "opinion"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="bao-cao-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = csv_rows(response)
    assert len(rows) == 2
    title_col = 8
    assert rows[1][title_col] == '\'=HYPERLINK("http://evil","click")'
    assert rows[1][title_col + 1] == "'+cmd|' /C calc'!A0"
    record = ExportRecord.objects.get()
    assert (record.user, record.kind, record.file_format, record.row_count) == (unit_staff, "reports", "csv", 1)
    assert record.parameters == {"kind": "opinion", "status": "submitted"}


def test_hostile_text_stays_text_in_the_export(client, unit_staff, collaborator):
    make_report(collaborator, title=XSS, content="@SUM(1+1)*cmd|' /C calc'!A0")
    client.force_login(unit_staff)
    rows = csv_rows(client.get(reverse("reports:export", kwargs={"fmt": "csv"})))
    assert rows[1][8] == XSS
    assert rows[1][9] == "'@SUM(1+1)*cmd|' /C calc'!A0"


def test_the_export_query_count_does_not_grow_with_the_rows(client, unit_staff, collaborator):
    for i in range(5):
        make_report(collaborator, title=f"Báo cáo {i}")
    client.force_login(unit_staff)
    url = reverse("reports:export", kwargs={"fmt": "csv"})
    b"".join(client.get(url).streaming_content)
    with CaptureQueriesContext(connection) as few:
        assert len(csv_rows(client.get(url))) == 6
    for i in range(45):
        make_report(collaborator, title=f"Thêm {i}")
    with CaptureQueriesContext(connection) as many:
        assert len(csv_rows(client.get(url))) == 51
    assert len(many) == len(few)


def test_a_collaborator_may_not_export(client, collaborator, submitted_report):
    client.force_login(collaborator)
    assert client.get(reverse("reports:export", kwargs={"fmt": "csv"})).status_code == 404
    assert not ExportRecord.objects.exists()


def test_a_resent_form_does_not_change_a_reviewed_report(collaborator, unit_staff):
    from reports.services import report_save
    from tests.reports.conftest import report_data

    token = uuid.uuid4()
    report, _ = report_save(author=collaborator, token=token, data=report_data(title="Một lần"), submit=True)
    report_accept(actor=unit_staff, report=report)
    again, changed = report_save(author=collaborator, token=token, data=report_data(title="Hai lần"), submit=True)
    assert (again.pk, changed, again.title) == (report.pk, False, "Một lần")
    assert Report.objects.filter(author=collaborator).count() == 1
