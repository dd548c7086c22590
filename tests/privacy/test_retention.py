"""Retention: each kind of personal data is anonymised or deleted once older than its setting, by a daily
job that removes nothing before an administrator has confirmed a dry run; a run records counts only; a
second run removes nothing; issued summaries, the counters and the monthly tallies stay."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from collaborators.models import CollaboratorProfile, Role
from collaborators.services.people import person_change_status, profile_of
from notifications.management.commands.setup_periodic_tasks import declared_schedules
from notifications.models import Notification
from privacy.models import ReadEntry, RetentionRun
from privacy.services import RetentionNotConfirmed, retention_confirm, retention_run
from privacy.tasks import apply_retention
from reports.models import Attachment, Report, ReportEvent, UnitReportCount
from reports.services import report_comment, report_save
from reports.services.attachments import attachment_add
from summaries.models import ReportingPeriod, Summary, UnitMonthTally
from summaries.services.summaries import summary_approve, summary_compile, summary_edit, summary_issue, summary_schedule
from tests.clock import frozen_clock
from tests.factories import UserFactory
from tests.reports.conftest import make_report, report_data
from tests.reports.test_attachments import pdf_bytes, upload

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=HANOI)
DAYS = {"reports": 100, "attachments": 50, "read_log": 30, "notifications": 20, "people_left": 40}
ZERO = dict.fromkeys(DAYS, 0)

_clock = frozen_clock(T0, tick=False)


@pytest.fixture
def world(settings, tmp_path, client, collaborator, other_collaborator, unit_staff, union):
    """At T0: a report with a file, a comment and its notifications, a reading of it, a person who left
    that day, and an issued summary of the union."""
    settings.MEDIA_ROOT = tmp_path
    settings.RETENTION_DAYS = dict(DAYS)
    fields = {"title": "Ý kiến về lương", "content": "Anh Hùng ở tổ 3 nói lương thấp", "place": "Tổ 3"}
    report = make_report(collaborator, submit=False, **fields)
    attachment = attachment_add(report=report, uploaded_file=upload("bien-ban.pdf", pdf_bytes()), actor=collaborator)
    report, _changed = report_save(
        author=collaborator, token=report.client_token, data=report_data(**fields), submit=True
    )
    report_comment(actor=unit_staff, report=report, text="Đồng chí bổ sung nơi xảy ra", internal=False)
    client.force_login(unit_staff)
    assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 200
    person_change_status(
        actor=unit_staff, user=other_collaborator, to_status="left", reason="Chuyển công tác", effective_date=T0.date()
    )
    summary, _created = summary_schedule(scope=union, period=ReportingPeriod.objects.month_of(T0.date()))
    assert summary_compile(summary_id=summary.pk)
    summary.refresh_from_db()
    summary = summary_edit(actor=unit_staff, summary=summary, sections={"outlook": "Ổn định."}, fields={})
    summary = summary_approve(actor=unit_staff, summary=summary)
    with transaction.atomic():
        summary_issue(actor=unit_staff, summary=summary, period_open_confirmed=True)
    return {"report": report, "attachment": attachment, "left": other_collaborator, "summary": summary}


def _facts():
    """What retention must never change: the counters, the tallies and the issued summaries."""
    return (
        sorted(UnitReportCount.objects.values_list("unit_id", "status", "reports")),
        sorted(UnitMonthTally.objects.values_list("unit_id", "month", "total", "status_submitted", "dir_negative")),
        sorted(Summary.objects.values_list("pk", "status", "issued_at", "docx", "xlsx")),
    )


def _confirmed(admin=None):
    dry = retention_run(apply=False, started_by=admin)
    return retention_confirm(run=dry, by=admin)


def test_each_kind_goes_at_its_own_age_and_a_second_run_removes_nothing(
    world, django_capture_on_commit_callbacks, tmp_path
):
    report, left = world["report"], world["left"]
    author_id = report.author_id
    file_name = world["attachment"].file.name
    storage = world["attachment"].file.storage
    assert storage.exists(file_name) and Notification.objects.exists() and ReadEntry.objects.exists()
    facts = _facts()
    _confirmed()
    expected_after = [
        (19, {}),
        (21, {"notifications": Notification.objects.count()}),
        (31, {"read_log": ReadEntry.objects.count()}),
        (41, {"people_left": 1}),
        (51, {"attachments": 1}),
        (101, {"reports": Report.objects.count()}),
    ]
    for days, removed in expected_after:
        with (
            time_machine.travel(T0 + timedelta(days=days), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            run = retention_run(apply=True)
        assert run.counts == {**ZERO, **removed}, days
        with time_machine.travel(T0 + timedelta(days=days), tick=False):
            again = retention_run(apply=True)
        assert again.counts == ZERO, days  # twice: nothing the second time
    assert not Notification.objects.exists() and not ReadEntry.objects.exists()
    assert not Attachment.objects.exists() and not storage.exists(file_name)
    # No folder of a deleted file is left behind empty (attachments/<report>/, outbox/<notification>/).
    assert not [path for path in tmp_path.rglob("*") if path.is_dir() and path.parent.name in ("attachments", "outbox")]
    profile = CollaboratorProfile.objects.get(user=left)
    left.refresh_from_db()
    assert profile.anonymised_at is not None and left.full_name == f"#{left.pk}" and left.email == ""
    report.refresh_from_db()
    assert report.author_id is None and report.anonymised_at is not None
    assert (report.content, report.place) == ("", "") and "hung" not in report.search_text
    assert report.title == "Ý kiến về lương" and report.status == "submitted"
    assert not report.history.exclude(author=None).exists() and not report.history.exclude(content="").exists()
    assert not ReportEvent.objects.filter(report=report).exclude(note="").exists()
    assert not ReportEvent.objects.filter(report=report, actor_id=author_id).exists()
    assert _facts() == facts  # counters, tallies and the issued summary untouched
    assert Summary.objects.filter(status="issued").count() == 1


def test_a_dry_run_changes_nothing_and_records_counts_only(world):
    facts = _facts()
    before = (Report.objects.filter(author__isnull=False).count(), Attachment.objects.count(),
              Notification.objects.count(), ReadEntry.objects.count())  # fmt: skip
    with time_machine.travel(T0 + timedelta(days=200), tick=False):
        run = retention_run(apply=False)
    assert run.dry_run and run.counts == {
        "reports": 1, "attachments": 1, "read_log": before[3], "notifications": before[2], "people_left": 1,
    }  # fmt: skip
    assert run.days == DAYS and set(run.counts.values()) <= set(range(1000))
    after = (Report.objects.filter(author__isnull=False).count(), Attachment.objects.count(),
             Notification.objects.count(), ReadEntry.objects.count())  # fmt: skip
    assert after == before and _facts() == facts


def test_no_real_run_before_a_confirmed_dry_run_of_the_current_settings(world, settings):
    with time_machine.travel(T0 + timedelta(days=200), tick=False):
        with pytest.raises(RetentionNotConfirmed):
            retention_run(apply=True)
        assert apply_retention() is None  # the daily job waits, removing nothing
        assert not RetentionRun.objects.filter(dry_run=False).exists()
        _confirmed()
        settings.RETENTION_DAYS = {**DAYS, "reports": 3650}  # the settings changed: confirm again
        with pytest.raises(RetentionNotConfirmed):
            retention_run(apply=True)
        settings.RETENTION_DAYS = dict(DAYS)
        assert apply_retention() is not None
    assert RetentionRun.objects.get(dry_run=False).counts["reports"] == 1


def test_the_daily_job_is_scheduled():
    assert any(spec["task"] == "privacy.tasks.apply_retention" and "crontab" in spec for spec in declared_schedules())


def test_the_command_dry_runs_then_runs_as_of_a_later_day(world, capsys):
    call_command("apply_retention", "--dry-run", "--as-of", "2026-12-31")
    out = capsys.readouterr().out
    assert "reports" in out and Report.objects.filter(anonymised_at__isnull=False).count() == 0
    with pytest.raises(CommandError):
        call_command("apply_retention", "--as-of", "2026-12-31")
    call_command("apply_retention", "--confirm", "--as-of", "2026-12-31")
    assert Report.objects.filter(anonymised_at__isnull=False).count() == 1
    assert RetentionRun.objects.filter(dry_run=False).count() == 1


def test_the_page_shows_the_dry_run_then_the_admin_confirms_and_runs(
    client, world, federation_admin, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0 + timedelta(days=200), tick=False):
        client.force_login(federation_admin)
        page = client.get(reverse("roster:retention")).content.decode()
        assert 'data-testid="retention-not-confirmed"' in page and 'data-testid="retention-confirm"' not in page
        assert client.post(reverse("roster:retention_run")).status_code == 302
        assert not RetentionRun.objects.filter(dry_run=False).exists()  # refused before a dry run
        client.post(reverse("roster:retention_dry_run"))
        dry = RetentionRun.objects.get()
        page = client.get(reverse("roster:retention")).content.decode()
        assert 'data-testid="retention-dry-run-counts"' in page and 'data-testid="retention-confirm"' in page
        assert "Ý kiến về lương" not in page and world["left"].full_name not in page  # counts, never content
        client.post(reverse("roster:retention_confirm", args=[dry.pk]))
        dry.refresh_from_db()
        assert dry.confirmed_by == federation_admin
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("roster:retention_run"))
    run = RetentionRun.objects.get(dry_run=False)
    assert run.started_by == federation_admin and run.counts["reports"] == 1


@pytest.mark.parametrize("who", ["unit_staff", "collaborator", "union_admin"])
def test_only_city_wide_administrators_reach_the_retention_pages(client, request, who, union):
    person = (
        UserFactory(username="unionadmin", unit=union, role=Role.ADMIN)
        if who == "union_admin"
        else request.getfixturevalue(who)
    )
    client.force_login(person)
    assert client.get(reverse("roster:retention")).status_code in (302, 404)
    assert client.post(reverse("roster:retention_dry_run")).status_code in (302, 404)
    assert not RetentionRun.objects.exists()


def test_issued_summaries_stay_even_when_everything_else_expired(world):
    _confirmed()
    with time_machine.travel(T0 + timedelta(days=5000), tick=False):
        retention_run(apply=True)
    summary = Summary.objects.get(pk=world["summary"].pk)
    assert summary.status == "issued" and summary.docx and summary.docx.storage.exists(summary.docx.name)


def test_people_who_left_without_a_recorded_change_count_from_their_status_date(world, collaborator):
    """A status set by an import has no recorded change: the profile's date of that status counts."""
    profile = profile_of(collaborator)
    CollaboratorProfile.objects.filter(pk=profile.pk).update(status="term_ended", status_since=T0.date())
    with time_machine.travel(T0 + timedelta(days=39), tick=False):
        assert retention_run(apply=False).counts["people_left"] == 0
    with time_machine.travel(T0 + timedelta(days=41), tick=False):
        assert retention_run(apply=False).counts["people_left"] == 2  # with and without a recorded change
