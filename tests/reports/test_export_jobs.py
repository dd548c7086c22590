"""The review queue's XLSX, built by a background job: same rows as the CSV, neutralised, scoped to the
asker, recorded, downloadable by the asker alone, one job per double click, a notification when ready."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.urls import reverse

from collaborators.models import ExportRecord
from notifications.models import Notification
from privacy.models import ReadEntry, ReadKind
from reports.models import ExportJob, ExportJobStatus, ReportKind
from reports.services import exports
from tests.clock import frozen_clock
from tests.reports.conftest import make_report

_clock = frozen_clock()

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def ask(client, query="", *, run=True, capture=None):
    """Press the Excel button with the queue's query string; the job runs once the request commits."""
    with capture(execute=run):
        return client.post(reverse("reports:export_job_new"), {"query": query})


def sheet_rows(job) -> list[list]:
    with job.file.open("rb") as handle:
        workbook = openpyxl.load_workbook(io.BytesIO(handle.read()), read_only=True)
    return [["" if v is None else v for v in row] for row in workbook.worksheets[0].iter_rows(values_only=True)]


def csv_rows(client, query: dict) -> list[list]:
    response = client.get(reverse("reports:export", kwargs={"fmt": "csv"}), query)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_job_builds_the_csvs_rows_neutralised_scoped_and_recorded(
    client, unit_staff, collaborator, other_collaborator, django_capture_on_commit_callbacks
):
    make_report(collaborator, title='=HYPERLINK("http://evil","click")', content="+cmd|' /C calc'!A0")
    make_report(collaborator, title="Ý kiến thứ hai")
    make_report(collaborator, title="Tin đồn", kind=ReportKind.RUMOUR)
    make_report(other_collaborator, title="Ngoài phạm vi")  # another ward: not the asker's subtree
    client.force_login(unit_staff)
    response = ask(client, "kind=opinion&status=", capture=django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:export_job", args=[job.pk])
    assert (job.status, job.rows_done, job.rows_total, job.finished_at is not None) == ("done", 2, 2, True)
    assert job.parameters == {"kind": "opinion", "status": ""}
    rows = sheet_rows(job)
    expected = csv_rows(client, {"kind": "opinion", "status": ""})
    assert len(rows) == 3
    # The same cells as the CSV (which writes dates as text): titles, contents, units, authors...
    assert [[str(v) for v in row[2:]] for row in rows] == [row[2:] for row in expected]
    titles = {row[8] for row in rows[1:]}
    assert titles == {'\'=HYPERLINK("http://evil","click")', "Ý kiến thứ hai"}
    assert "'+cmd|' /C calc'!A0" in {row[9] for row in rows[1:]}
    record = ExportRecord.objects.get(file_format="xlsx")
    assert (record.user, record.kind, record.row_count, record.parameters) == (
        unit_staff,
        "reports",
        2,
        {"kind": "opinion", "status": ""},
    )


def test_the_asker_is_notified_and_alone_downloads(
    client, unit_staff, other_staff, federation_admin, collaborator, django_capture_on_commit_callbacks
):
    make_report(collaborator, title="Một báo cáo")
    client.force_login(unit_staff)
    ask(client, capture=django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    note = Notification.objects.get(kind="export_ready")
    assert (note.recipient, note.about_model, note.about_id) == (unit_staff, "reports.exportjob", job.pk)
    assert note.link == reverse("reports:export_job", args=[job.pk])
    url = reverse("reports:export_job_file", args=[job.pk])
    for someone in (other_staff, federation_admin, collaborator):
        client.force_login(someone)
        assert client.get(url).status_code == 404
        assert client.get(reverse("reports:export_job", args=[job.pk])).status_code == 404
    assert not ReadEntry.objects.filter(object_type="reports.exportjob").exists()
    client.force_login(unit_staff)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"PK")
    entry = ReadEntry.objects.get(object_type="reports.exportjob")
    assert (entry.reader, entry.kind, entry.object_id) == (unit_staff, ReadKind.EXPORT, str(job.pk))


def test_a_double_click_makes_one_job(client, unit_staff, collaborator, django_capture_on_commit_callbacks):
    make_report(collaborator)
    client.force_login(unit_staff)
    first = ask(client, "kind=opinion", run=False, capture=django_capture_on_commit_callbacks)
    second = ask(client, "kind=opinion", run=False, capture=django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert first["Location"] == second["Location"] == reverse("reports:export_job", args=[job.pk])
    ask(client, "kind=rumour", run=False, capture=django_capture_on_commit_callbacks)
    assert ExportJob.objects.count() == 2  # other filters: another file


def test_the_progress_page_polls_then_offers_the_file(
    client, unit_staff, collaborator, django_capture_on_commit_callbacks
):
    make_report(collaborator)
    client.force_login(unit_staff)
    ask(client, run=False, capture=django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    page = client.get(reverse("reports:export_job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page and 'data-status="pending"' in page
    assert reverse("reports:export_job_file", args=[job.pk]) not in page
    assert client.get(reverse("reports:export_job_file", args=[job.pk])).status_code == 404  # not ready
    exports.export_job_build(job.pk)
    fragment = client.get(reverse("reports:export_job", args=[job.pk]), headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert "<html" not in text and "hx-trigger" not in text
    assert reverse("reports:export_job_file", args=[job.pk]) in text


def test_a_failure_shows_a_clear_message(
    client, unit_staff, collaborator, monkeypatch, django_capture_on_commit_callbacks
):
    make_report(collaborator)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("core.spreadsheets.save_xlsx", broken)
    client.force_login(unit_staff)
    ask(client, capture=django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert job.status == ExportJobStatus.FAILED
    assert not ExportRecord.objects.exists() and not Notification.objects.filter(kind="export_ready").exists()
    page = client.get(reverse("reports:export_job", args=[job.pk])).content.decode()
    assert 'data-testid="export-failed"' in page and "hx-trigger" not in page
    # A failed job is not reused: pressing the button again starts a new one.
    ask(client, run=False, capture=django_capture_on_commit_callbacks)
    assert ExportJob.objects.count() == 2


def test_a_collaborator_may_not_ask_for_an_export(client, collaborator, django_capture_on_commit_callbacks):
    client.force_login(collaborator)
    assert ask(client, capture=django_capture_on_commit_callbacks).status_code == 404
    assert not ExportJob.objects.exists()


def test_a_job_left_unqueued_is_built_by_the_periodic_job(
    client, unit_staff, collaborator, django_capture_on_commit_callbacks
):
    from reports.tasks import resume_export_jobs

    make_report(collaborator)
    client.force_login(unit_staff)
    ask(client, run=False, capture=django_capture_on_commit_callbacks)  # the broker was down: never queued
    job = ExportJob.objects.get()
    assert resume_export_jobs() == 0  # too recent: its task may still come
    waited = job.created_at - timedelta(seconds=exports.STALLED_PENDING + 1)
    ExportJob.objects.filter(pk=job.pk).update(created_at=waited)
    assert resume_export_jobs() == 1
    job.refresh_from_db()
    assert (job.status, job.rows_done) == (ExportJobStatus.DONE, 1)
    assert Notification.objects.filter(kind="export_ready", recipient=unit_staff).count() == 1


def test_a_finished_file_is_deleted_after_its_hours_and_the_page_says_so(
    client, settings, unit_staff, collaborator, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from reports.tasks import resume_export_jobs

    settings.EXPORT_FILE_HOURS = 72
    make_report(collaborator)
    client.force_login(unit_staff)
    ask(client, "status=", capture=django_capture_on_commit_callbacks)
    ask(client, "status=&kind=opinion", capture=django_capture_on_commit_callbacks)
    old, fresh = ExportJob.objects.order_by("pk")
    storage = old.file.storage
    old_name = old.file.name
    assert storage.exists(old_name) and storage.exists(fresh.file.name)
    ExportJob.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(hours=72, seconds=1))
    ExportJob.objects.filter(pk=fresh.pk).update(finished_at=timezone.now() - timedelta(hours=71))
    with django_capture_on_commit_callbacks(execute=True):
        resume_export_jobs()
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert not old.file and not storage.exists(old_name)
    assert fresh.file and storage.exists(fresh.file.name)
    assert old.status == ExportJobStatus.DONE  # the row stays: who asked for what, when
    assert client.get(reverse("reports:export_job_file", args=[old.pk])).status_code == 404
    page = client.get(reverse("reports:export_job", args=[old.pk])).content.decode()
    assert 'data-testid="export-expired"' in page and 'data-testid="export-download"' not in page
    assert client.get(reverse("reports:export_job_file", args=[fresh.pk])).status_code == 200
    # Run again: nothing more goes.
    with django_capture_on_commit_callbacks(execute=True):
        resume_export_jobs()
    assert storage.exists(fresh.file.name)
