"""The summaries' workflow: compile, figures equal a recount, edit, approve, issue, files, scoping, faults."""

import io
from datetime import date

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from collaborators.models import Role
from notifications.models import Notification
from reports.models import Direction, ReportKind
from reports.services import report_accept, report_reject, rumour_create
from summaries.models import PeriodKind, ReportingPeriod, Summary, SummaryStatus
from summaries.services.compliance import compliance_reminders_send
from summaries.services.summaries import (
    summaries_schedule_due,
    summary_approve,
    summary_compile,
    summary_correct,
    summary_edit,
    summary_issue,
    summary_schedule,
)
from tests.clock import frozen_clock
from tests.factories import UnitFactory, UserFactory
from tests.summaries.conftest import local, make_report

pytestmark = pytest.mark.clock
_clock = frozen_clock()  # the tests build their dates from "now"

OCTOBER = date(2026, 10, 1)


@pytest.fixture
def federation_staff(city):
    return UserFactory(username="citystaff", full_name="Trần Văn Bình", unit=city, role=Role.STAFF)


@pytest.fixture
def october(collaborator, other_collaborator, unit_staff, topics):
    sent = local(2026, 10, 14)
    reports = [
        make_report(collaborator, sent_at=sent, topic=topics[0], direction=Direction.POSITIVE),
        make_report(collaborator, sent_at=sent, topic=topics[0], direction=Direction.NEGATIVE),
        make_report(collaborator, sent_at=sent, topic=topics[1], kind=ReportKind.HOT_SPOT, urgent=True),
        make_report(
            collaborator, sent_at=sent, topic=topics[2], kind=ReportKind.PROPOSAL, title="Đề nghị tăng phụ cấp"
        ),
        make_report(other_collaborator, sent_at=sent, topic=topics[0], direction=Direction.MIXED),
        make_report(other_collaborator, sent_at=local(2026, 9, 20), topic=topics[0]),
    ]
    report_accept(actor=unit_staff, report=reports[0])
    report_reject(actor=unit_staff, report=reports[1], reason="Không đúng chủ đề")
    rumour_report = make_report(collaborator, sent_at=sent, kind=ReportKind.RUMOUR, topic=topics[1])
    rumour_create(actor=unit_staff, title="Tin đồn công ty nợ lương", report=rumour_report)
    return reports + [rumour_report]


def compiled(scope, month=OCTOBER):
    summary, _ = summary_schedule(scope=scope, period=ReportingPeriod.objects.month_of(month))
    assert summary_compile(summary_id=summary.pk)
    summary.refresh_from_db()
    return summary


def test_figures_equal_a_recount_of_the_reports(october, city, union, topics):
    summary = compiled(city)
    stats = summary.statistics
    in_october = [r for r in october if r.first_submitted_at.month == 10]
    assert stats["totals"]["reports"] == len(in_october) == 6
    assert stats["totals"]["previous"] == 1
    assert stats["totals"]["by_kind"] == {
        k: sum(1 for r in in_october if r.kind == k) for k in ["opinion", "rumour", "hot_spot", "question", "proposal"]
    }
    assert stats["totals"]["by_status"]["accepted"] == 1 and stats["totals"]["by_status"]["rejected"] == 1
    assert stats["totals"]["acceptance_rate"] == 50.0
    assert stats["totals"]["directions"] == {"positive": 1, "neutral": 0, "negative": 1, "mixed": 1}
    by_topic = {row["topic_id"]: row for row in stats["topics"]}
    assert by_topic[topics[0].pk]["total"] == 3 and by_topic[topics[0].pk]["previous"] == 1
    assert [h["title"] for h in stats["hot_spots"]] == [october[2].title]
    assert [p["title"] for p in stats["proposals"]] == ["Đề nghị tăng phụ cấp"]
    assert [(r["title"], r["sightings"]) for r in stats["rumours"]] == [("Tin đồn công ty nợ lương", 1)]
    assert summary.status == SummaryStatus.COMPILED and summary.sections["mood"]
    union_summary = compiled(union)
    assert union_summary.statistics["totals"]["reports"] == 5


def test_weekly_figures_come_from_the_reports_of_the_week(october, city):
    period = ReportingPeriod.objects.week_of(date(2026, 10, 14))
    summary, _ = summary_schedule(scope=city, period=period)
    assert summary_compile(summary_id=summary.pk)
    summary.refresh_from_db()
    assert summary.kind == PeriodKind.WEEKLY
    assert summary.statistics["totals"]["reports"] == 6


def test_one_summary_per_scope_kind_period_and_scheduling_twice_changes_nothing(october, city, union, other_union):
    first = summaries_schedule_due(kind="monthly", today=date(2026, 11, 21))
    second = summaries_schedule_due(kind="monthly", today=date(2026, 11, 21))
    assert Summary.objects.filter(period__starts_on=OCTOBER).count() == 3  # the city and two unions with reports
    assert sorted(first) == sorted(second)
    summary = Summary.objects.get(scope=city, period__starts_on=OCTOBER)
    with pytest.raises(IntegrityError), transaction.atomic():
        Summary.objects.create(scope=city, kind="monthly", period=summary.period, version=1)
    assert summary_compile(summary_id=summary.pk) is True
    assert summary_compile(summary_id=summary.pk) is False  # already compiled: not claimed again
    assert summaries_schedule_due(kind="monthly", today=date(2026, 11, 21)) == [
        s.pk for s in Summary.objects.filter(status="pending").order_by("scope__path")
    ]


def test_edit_approve_issue_then_frozen_and_corrected(october, city, federation_staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    summary = compiled(city)
    summary = summary_edit(
        actor=federation_staff,
        summary=summary,
        sections={"outlook": "Dự báo tư tưởng công nhân ổn định, cần theo dõi việc nợ lương."},
        fields={
            "recipients": "Ban Tuyên giáo Thành ủy <btg@hanoi.example>\nLưu: VP",
            "signer_name": "Nguyễn Văn Minh",
        },
    )
    assert summary.status == SummaryStatus.EDITED and summary.edited_sections == ["outlook"]
    # A recompile keeps what staff wrote.
    Summary.objects.filter(pk=summary.pk).update(status=SummaryStatus.PENDING)
    assert summary_compile(summary_id=summary.pk)
    summary.refresh_from_db()
    assert summary.sections["outlook"].startswith("Dự báo") and summary.status == SummaryStatus.EDITED
    summary = summary_approve(actor=federation_staff, summary=summary)
    mail.outbox.clear()
    with transaction.atomic():
        summary = summary_issue(actor=federation_staff, summary=summary)
    assert summary.status == SummaryStatus.ISSUED and summary.number == "1/BC-LĐLĐ"

    document = Document(io.BytesIO(summary.docx.read()))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 1/BC-LĐLĐ",
        "BÁO CÁO",
        "Tình hình tư tưởng, tâm trạng chung",
        "Tin đồn",
        "Dự báo tư tưởng công nhân ổn định",
        "Nguyễn Văn Minh",
        "Ban Tuyên giáo Thành ủy",
    ):
        assert expected in text, expected
    workbook = load_workbook(io.BytesIO(summary.xlsx.read()))
    assert len(workbook.sheetnames) >= 5
    values = [c for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert 6 in values and "Tin đồn công ty nợ lương" in values

    sent = list(Notification.objects.filter(kind="summary_issued"))
    assert [n.to_email for n in sent if n.recipient_id is None] == ["btg@hanoi.example"]
    outside = next(n for n in sent if n.recipient_id is None)
    assert sorted(a.filename.rsplit(".", 1)[1] for a in outside.attachments.all()) == ["docx", "xlsx"]

    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        summary_edit(actor=federation_staff, summary=summary, sections={"mood": "sửa"}, fields={})
    correction = summary_correct(actor=federation_staff, summary=summary)
    assert correction.version == 2 and correction.corrects_id == summary.pk
    assert summary_correct(actor=federation_staff, summary=summary).pk == correction.pk
    assert summary_compile(summary_id=correction.pk)
    correction.refresh_from_db()
    assert correction.sections["outlook"].startswith("Dự báo")


def test_bad_recipient_address_is_refused_and_changes_nothing(october, city, federation_staff):
    from django.core.exceptions import ValidationError

    summary = compiled(city)
    with pytest.raises(ValidationError):
        summary_edit(
            actor=federation_staff, summary=summary, sections={"mood": "x"}, fields={"recipients": "Ban A btg@"}
        )
    summary.refresh_from_db()
    assert summary.status == SummaryStatus.COMPILED and summary.sections["mood"] != "x"


def test_scoping_three_actors(client, october, city, union, other_union, unit_staff, other_staff, collaborator):
    union_summary = compiled(union)
    city_summary = compiled(city)
    client.force_login(unit_staff)
    page = client.get(reverse("summaries:list"))
    assert page.status_code == 200
    assert [s.pk for s in page.context["page"].object_list] == [union_summary.pk]
    assert client.get(reverse("summaries:detail", args=[union_summary.pk])).status_code == 200
    assert client.get(reverse("summaries:detail", args=[city_summary.pk])).status_code == 404
    client.force_login(other_staff)
    assert client.get(reverse("summaries:detail", args=[union_summary.pk])).status_code == 404
    assert client.post(reverse("summaries:approve", args=[union_summary.pk])).status_code == 404
    client.force_login(collaborator)
    for url in (
        reverse("summaries:list"),
        reverse("summaries:detail", args=[union_summary.pk]),
        reverse("dashboard:dashboard"),
    ):
        assert client.get(url).status_code == 404, url
    client.logout()
    assert client.get(reverse("summaries:list")).status_code == 302


def test_compile_now_from_the_page_then_edit_approve_issue_download(
    client, october, union, unit_staff, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(unit_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("summaries:compile_new"), {"scope": union.pk, "kind": "monthly", "month": "2026-10"}
        )
    summary = Summary.objects.get(scope=union)
    assert response.status_code == 302 and summary.status == SummaryStatus.COMPILED
    assert client.get(reverse("summaries:progress", args=[summary.pk])).status_code == 200
    form = client.get(reverse("summaries:edit", args=[summary.pk])).context["form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["section_outlook"] = "Tình hình sẽ ổn định."
    assert client.post(reverse("summaries:edit", args=[summary.pk]), data).status_code == 302
    assert client.post(reverse("summaries:approve", args=[summary.pk])).status_code == 302
    assert client.post(reverse("summaries:issue", args=[summary.pk])).status_code == 302
    summary.refresh_from_db()
    assert summary.status == SummaryStatus.ISSUED
    download = client.get(reverse("summaries:download", args=[summary.pk, "docx"]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment; filename=")
    assert download["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert Document(io.BytesIO(b"".join(download.streaming_content))).paragraphs
    # Frozen: no edit page for an issued summary.
    assert client.get(reverse("summaries:edit", args=[summary.pk])).status_code == 302


def test_compile_form_refuses_a_future_month_and_out_of_scope_unit(client, union, other_union, unit_staff):
    client.force_login(unit_staff)
    response = client.post(reverse("summaries:compile_new"), {"scope": union.pk, "kind": "monthly", "month": "2099-01"})
    assert response.status_code == 400 and not Summary.objects.exists()
    response = client.post(
        reverse("summaries:compile_new"), {"scope": other_union.pk, "kind": "monthly", "month": "2026-10"}
    )
    assert response.status_code == 400 and not Summary.objects.exists()


def test_compile_query_count_does_not_grow_with_reports_or_units(city, union, collaborator, topics):
    def queries_for_compile():
        summary, _ = summary_schedule(scope=city, period=ReportingPeriod.objects.month_of(OCTOBER))
        Summary.objects.filter(pk=summary.pk).update(status="pending")
        with CaptureQueriesContext(connection) as captured:
            assert summary_compile(summary_id=summary.pk)
        return len(captured)

    for i in range(3):
        make_report(collaborator, sent_at=local(2026, 10, 5), topic=topics[i % 3])
    queries_for_compile()  # the first compile also creates the reporting periods it reads
    few = queries_for_compile()
    for n in range(6):
        unit = UnitFactory(parent=union, code=f"GR-{n}")
        author = UserFactory(username=f"ctv{n}", unit=unit, role=Role.COLLABORATOR)
        for i in range(5):
            make_report(author, sent_at=local(2026, 10, 6), topic=topics[i % 3], kind=ReportKind.PROPOSAL)
    assert queries_for_compile() == few


def test_compliance_reminders_once_per_person_per_period(collaborator, other_collaborator, settings):
    from collaborators.models import CollaboratorProfile

    for person in (collaborator, other_collaborator):
        CollaboratorProfile.objects.update_or_create(user=person, defaults={"status": "active"})
    make_report(other_collaborator)  # reported this month (today)
    from datetime import timedelta

    from django.utils import timezone

    period = ReportingPeriod.objects.month_of(timezone.localdate())  # the one other_collaborator reported in
    window_day = period.ends_on - timedelta(days=1)  # in the period's last days
    before_window = period.ends_on - timedelta(days=settings.SUMMARY_REMINDER_DAYS_BEFORE)
    from summaries.models import ComplianceReminder

    assert compliance_reminders_send(today=before_window) == 0
    # In the window, only the one who has not reported this month is reminded, and once.
    assert compliance_reminders_send(today=window_day) == 1
    assert set(ComplianceReminder.objects.values_list("person_id", flat=True)) == {collaborator.pk}
    assert Notification.objects.filter(recipient=collaborator, kind="compliance_reminder").count() == 1
    assert compliance_reminders_send(today=window_day) == 0


def test_periodic_tasks_are_registered(db):
    from django.core.management import call_command
    from django_celery_beat.models import PeriodicTask

    call_command("setup_periodic_tasks", verbosity=0)
    names = set(PeriodicTask.objects.values_list("name", flat=True))
    assert {
        "summaries.compile_monthly",
        "summaries.compile_weekly",
        "summaries.resume_compiles",
        "summaries.compliance_reminders",
    } <= names
    monthly = PeriodicTask.objects.get(name="summaries.compile_monthly")
    assert monthly.task == "summaries.tasks.compile_due_summaries" and '"monthly"' in monthly.kwargs
    assert monthly.crontab.hour == "1"  # daily: it compiles once the review deadline of the last period has passed
