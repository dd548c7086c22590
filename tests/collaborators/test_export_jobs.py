"""Every large Excel export is an export job (one mechanism for the review queue's reports and the roster's
people): the rows of the CSV, neutralised, scoped to the asker when the file is built, recorded,
downloadable by the asker alone, one job per double click, a notification when ready, the file deleted
after its hours, lost jobs queued again."""

import csv
import io
from datetime import timedelta
from urllib.parse import urlencode

import openpyxl
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from collaborators.models import ExportJob, ExportRecord, Role
from collaborators.models.exports import ExportJobKind, ExportJobStatus
from collaborators.services import exports
from collaborators.services.imports import EXPORT_HEADERS
from collaborators.services.people import person_create
from collaborators.tasks import resume_export_jobs
from notifications.models import Notification
from privacy.models import ReadEntry, ReadKind
from reports.models import ReportKind
from tests.clock import frozen_clock
from tests.factories import UserFactory
from tests.reports.conftest import make_report

_clock = frozen_clock()

pytestmark = pytest.mark.django_db

KINDS = [ExportJobKind.REPORTS, ExportJobKind.PEOPLE]
BUTTONS = {ExportJobKind.REPORTS: "reports:export_job_new", ExportJobKind.PEOPLE: "roster:export_job_new"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def ward_admin(union):
    return UserFactory(username="wardadmin", full_name="Đỗ Văn Quân", unit=union, role=Role.ADMIN)


@pytest.fixture
def roster(federation_admin, grassroots, other_union):
    """Two people under the union (one with a workplace that is a formula), one under the other union."""
    hang = person_create(
        actor=federation_admin,
        unit=grassroots,
        full_name="Nguyễn Thị Hằng",
        phone="0912345678",
        profile={"workplace": '=HYPERLINK("http://evil","click")', "topics_covered": "+cmd|' /C calc'!A0"},
    )
    minh = person_create(actor=federation_admin, unit=grassroots, full_name="Trần Văn Minh", phone="0912000001")
    outsider = person_create(actor=federation_admin, unit=other_union, full_name="Vũ Văn Ngoại", phone="0912000002")
    return hang, minh, outsider


def ask(client, query="", *, kind=ExportJobKind.REPORTS, run=True, capture=None):
    """Press a list's Excel button with the list's query string; the job runs once the request commits."""
    with capture(execute=run):
        return client.post(reverse(BUTTONS[kind]), {"query": query})


def sheet_rows(job) -> list[list]:
    with job.file.open("rb") as handle:
        workbook = openpyxl.load_workbook(io.BytesIO(handle.read()), read_only=True)
    return [["" if v is None else v for v in row] for row in workbook.worksheets[0].iter_rows(values_only=True)]


def csv_rows(client, name: str, query: dict) -> list[list]:
    response = client.get(reverse(name, kwargs={"fmt": "csv"}), query)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


# --- the reports kind -------------------------------------------------------------------------


def test_the_reports_job_builds_the_csvs_rows_neutralised_scoped_and_recorded(
    client, unit_staff, collaborator, other_collaborator, django_capture_on_commit_callbacks
):
    make_report(collaborator, title='=HYPERLINK("http://evil","click")', content="+cmd|' /C calc'!A0")
    make_report(collaborator, title="Ý kiến thứ hai")
    make_report(collaborator, title="Tin đồn", kind=ReportKind.RUMOUR)
    make_report(other_collaborator, title="Ngoài phạm vi")  # another ward: not the asker's subtree
    client.force_login(unit_staff)
    response = ask(client, "kind=opinion&status=", capture=django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("roster:export_job", args=[job.pk])
    assert job.kind == ExportJobKind.REPORTS
    assert (job.status, job.rows_done, job.rows_total, job.finished_at is not None) == ("done", 2, 2, True)
    assert job.parameters == {"kind": "opinion", "status": ""}
    assert job.return_path == reverse("reports:list") + "?kind=opinion&status="
    rows = sheet_rows(job)
    expected = csv_rows(client, "reports:export", {"kind": "opinion", "status": ""})
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


# --- the people kind --------------------------------------------------------------------------


@pytest.mark.parametrize("asker", ["unit_staff", "ward_admin"])
def test_a_unions_staff_and_admin_get_only_their_people_with_the_csvs_rows(
    client, request, asker, roster, collaborator, django_capture_on_commit_callbacks
):
    person = request.getfixturevalue(asker)
    client.force_login(person)
    response = ask(client, kind=ExportJobKind.PEOPLE, capture=django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("roster:export_job", args=[job.pk])
    assert (job.kind, job.status, job.requested_by) == (ExportJobKind.PEOPLE, ExportJobStatus.DONE, person)
    rows = sheet_rows(job)
    assert rows[0] == EXPORT_HEADERS
    names = {row[0] for row in rows[1:]}
    assert {"Nguyễn Thị Hằng", "Trần Văn Minh", collaborator.full_name, person.full_name} <= names
    assert "Vũ Văn Ngoại" not in names  # the other union's
    assert job.rows_done == job.rows_total == len(rows) - 1
    expected = csv_rows(client, "roster:export", {})
    assert sorted([str(v) for v in row] for row in rows) == sorted(expected)
    record = ExportRecord.objects.get(file_format="xlsx")
    assert (record.user, record.kind, record.row_count, record.parameters) == (person, "roster", len(rows) - 1, {})


def test_the_people_job_applies_the_lists_filters(client, unit_staff, roster, django_capture_on_commit_callbacks):
    client.force_login(unit_staff)
    ask(
        client,
        urlencode({"q": "hang", "page": "2"}),
        kind=ExportJobKind.PEOPLE,
        capture=django_capture_on_commit_callbacks,
    )
    job = ExportJob.objects.get()
    assert job.parameters == {"q": "hang"} and job.return_path == reverse("roster:person_list") + "?q=hang"
    assert [row[0] for row in sheet_rows(job)[1:]] == ["Nguyễn Thị Hằng"]


def test_asking_for_another_unions_people_by_filter_does_not_reach_them(
    client, other_staff, roster, grassroots, django_capture_on_commit_callbacks
):
    client.force_login(other_staff)
    query = urlencode({"unit": grassroots.pk})
    ask(client, query, kind=ExportJobKind.PEOPLE, capture=django_capture_on_commit_callbacks)
    names = {row[0] for row in sheet_rows(ExportJob.objects.get())[1:]}
    assert not {"Nguyễn Thị Hằng", "Trần Văn Minh"} & names


def test_the_people_cells_that_look_like_formulas_are_neutralised(
    client, federation_admin, roster, django_capture_on_commit_callbacks
):
    client.force_login(federation_admin)
    ask(client, kind=ExportJobKind.PEOPLE, capture=django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    hang = next(row for row in sheet_rows(job) if row[0] == "Nguyễn Thị Hằng")
    assert hang[5] == '\'=HYPERLINK("http://evil","click")' and hang[8] == "'+cmd|' /C calc'!A0"
    with job.file.open("rb") as handle:
        workbook = openpyxl.load_workbook(io.BytesIO(handle.read()))
    assert not any(cell.data_type == "f" for row in workbook.worksheets[0].iter_rows() for cell in row)
    assert "Vũ Văn Ngoại" in {row[0] for row in sheet_rows(job)}  # the city: everybody


def test_the_scope_is_the_askers_when_the_file_is_built(
    client, unit_staff, other_union, roster, django_capture_on_commit_callbacks
):
    client.force_login(unit_staff)
    ask(client, kind=ExportJobKind.PEOPLE, run=False, capture=django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    type(unit_staff).objects.filter(pk=unit_staff.pk).update(unit=other_union)  # moved before it was built
    exports.export_job_build(job.pk)
    names = {row[0] for row in sheet_rows(ExportJob.objects.get())[1:]}
    assert "Vũ Văn Ngoại" in names and "Nguyễn Thị Hằng" not in names


def test_an_asker_who_is_no_longer_staff_gets_no_file(client, unit_staff, roster, django_capture_on_commit_callbacks):
    client.force_login(unit_staff)
    ask(client, kind=ExportJobKind.PEOPLE, run=False, capture=django_capture_on_commit_callbacks)
    type(unit_staff).objects.filter(pk=unit_staff.pk).update(role=Role.COLLABORATOR)
    exports.export_job_build(ExportJob.objects.get().pk)
    job = ExportJob.objects.get()
    assert job.status == ExportJobStatus.FAILED and not job.file and not ExportRecord.objects.exists()


def test_the_roster_csv_still_streams(client, unit_staff, roster):
    client.force_login(unit_staff)
    response = client.get(reverse("roster:export", kwargs={"fmt": "csv"}))
    assert response.streaming and not ExportJob.objects.exists()
    assert client.get("/roster/export.xlsx").status_code == 404  # the Excel file is a job now


# --- both kinds: one page, one file view, one notification, one sweep ------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_the_asker_is_notified_and_alone_downloads(
    client, kind, unit_staff, other_staff, federation_admin, collaborator, django_capture_on_commit_callbacks
):
    make_report(collaborator, title="Một báo cáo")
    client.force_login(unit_staff)
    ask(client, kind=kind, capture=django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    note = Notification.objects.get(kind="export_ready")
    assert (note.recipient, note.about_model, note.about_id) == (unit_staff, "collaborators.exportjob", job.pk)
    assert note.link == reverse("roster:export_job", args=[job.pk])
    noun = "người" if kind == ExportJobKind.PEOPLE else "báo cáo"
    assert note.subject.endswith(f"({job.rows_done} {noun})") and "sẵn sàng" in note.subject
    url = reverse("roster:export_job_file", args=[job.pk])
    for someone in (other_staff, federation_admin, collaborator):
        client.force_login(someone)
        assert client.get(url).status_code == 404
        assert client.get(reverse("roster:export_job", args=[job.pk])).status_code == 404
    assert not ReadEntry.objects.filter(object_type="collaborators.exportjob").exists()
    client.force_login(unit_staff)
    response = client.get(url)
    assert response.status_code == 200
    stem = "danh-sach-ctv" if kind == ExportJobKind.PEOPLE else "bao-cao"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{stem}-{job.created_at:%Y-%m-%d}.xlsx"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"PK")
    entry = ReadEntry.objects.get(object_type="collaborators.exportjob")
    assert (entry.reader, entry.kind, entry.object_id) == (unit_staff, ReadKind.EXPORT, str(job.pk))
    assert entry.label == ("roster.xlsx" if kind == ExportJobKind.PEOPLE else "reports.xlsx")


@pytest.mark.parametrize("kind", KINDS)
def test_a_double_click_makes_one_job(client, kind, unit_staff, collaborator, django_capture_on_commit_callbacks):
    make_report(collaborator)
    client.force_login(unit_staff)
    first = ask(client, "kind=opinion", kind=kind, run=False, capture=django_capture_on_commit_callbacks)
    second = ask(client, "kind=opinion", kind=kind, run=False, capture=django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert first["Location"] == second["Location"] == reverse("roster:export_job", args=[job.pk])
    ask(client, "kind=rumour", kind=kind, run=False, capture=django_capture_on_commit_callbacks)
    assert ExportJob.objects.count() == 2  # other filters: another file
    other = [k for k in KINDS if k != kind][0]
    ask(client, "kind=opinion", kind=other, run=False, capture=django_capture_on_commit_callbacks)
    assert ExportJob.objects.count() == 3  # the same filters on the other list: another file


@pytest.mark.parametrize("kind", KINDS)
def test_the_progress_page_polls_then_offers_the_file(
    client, kind, unit_staff, collaborator, django_capture_on_commit_callbacks
):
    make_report(collaborator)
    client.force_login(unit_staff)
    ask(client, kind=kind, run=False, capture=django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    page = client.get(reverse("roster:export_job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page and 'data-status="pending"' in page
    assert 'data-testid="export-back"' in page and job.return_path in page
    assert reverse("roster:export_job_file", args=[job.pk]) not in page
    assert client.get(reverse("roster:export_job_file", args=[job.pk])).status_code == 404  # not ready
    exports.export_job_build(job.pk)
    fragment = client.get(reverse("roster:export_job", args=[job.pk]), headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert "<html" not in text and "hx-trigger" not in text
    assert reverse("roster:export_job_file", args=[job.pk]) in text


@pytest.mark.parametrize("kind", KINDS)
def test_a_failure_shows_a_clear_message(
    client, kind, unit_staff, collaborator, monkeypatch, django_capture_on_commit_callbacks
):
    make_report(collaborator)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("core.spreadsheets.save_xlsx", broken)
    client.force_login(unit_staff)
    ask(client, kind=kind, capture=django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert job.status == ExportJobStatus.FAILED
    assert not ExportRecord.objects.exists() and not Notification.objects.filter(kind="export_ready").exists()
    page = client.get(reverse("roster:export_job", args=[job.pk])).content.decode()
    assert 'data-testid="export-failed"' in page and "hx-trigger" not in page
    # A failed job is not reused: pressing the button again starts a new one.
    ask(client, kind=kind, run=False, capture=django_capture_on_commit_callbacks)
    assert ExportJob.objects.count() == 2


@pytest.mark.parametrize("kind", KINDS)
def test_a_collaborator_may_not_ask_for_an_export(client, kind, collaborator, django_capture_on_commit_callbacks):
    client.force_login(collaborator)
    assert ask(client, kind=kind, capture=django_capture_on_commit_callbacks).status_code == 404
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("kind", KINDS)
def test_a_job_left_unqueued_is_built_by_the_periodic_job(
    client, kind, unit_staff, collaborator, django_capture_on_commit_callbacks
):
    make_report(collaborator)
    client.force_login(unit_staff)
    ask(client, kind=kind, run=False, capture=django_capture_on_commit_callbacks)  # the broker was down
    job = ExportJob.objects.get()
    assert resume_export_jobs() == 0  # too recent: its task may still come
    waited = job.created_at - timedelta(seconds=exports.STALLED_PENDING + 1)
    ExportJob.objects.filter(pk=job.pk).update(created_at=waited)
    assert resume_export_jobs() == 1
    job.refresh_from_db()
    assert job.status == ExportJobStatus.DONE and job.rows_done == job.rows_total > 0
    assert Notification.objects.filter(kind="export_ready", recipient=unit_staff).count() == 1


def test_a_failure_after_the_file_was_written_leaves_no_file_behind(
    client, unit_staff, tmp_path, django_capture_on_commit_callbacks
):
    def broken(sender, **kwargs):
        raise RuntimeError("the notice could not be written")

    from collaborators.signals import export_job_done

    export_job_done.connect(broken, dispatch_uid="test.broken_notice")
    try:
        client.force_login(unit_staff)
        ask(client, kind=ExportJobKind.PEOPLE, capture=django_capture_on_commit_callbacks)
    finally:
        export_job_done.disconnect(dispatch_uid="test.broken_notice")
    job = ExportJob.objects.get()
    assert job.status == ExportJobStatus.FAILED and not job.file and not ExportRecord.objects.exists()
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


def test_a_job_that_lost_its_worker_is_failed_by_the_sweep(client, unit_staff, django_capture_on_commit_callbacks):
    client.force_login(unit_staff)
    ask(client, kind=ExportJobKind.PEOPLE, run=False, capture=django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    started = timezone.now() - timedelta(seconds=exports.LOST_RUNNING + 1)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJobStatus.RUNNING, created_at=started)
    assert resume_export_jobs() == 0  # not queued again: it was claimed
    job.refresh_from_db()
    assert job.status == ExportJobStatus.FAILED and job.finished_at is not None


@pytest.mark.parametrize("kind", KINDS)
def test_a_finished_file_is_deleted_after_its_hours_and_the_page_says_so(
    client, kind, settings, tmp_path, unit_staff, collaborator, django_capture_on_commit_callbacks
):
    settings.EXPORT_FILE_HOURS = 72
    make_report(collaborator)
    client.force_login(unit_staff)
    ask(client, "status=", kind=kind, capture=django_capture_on_commit_callbacks)
    ask(client, "status=&kind=opinion", kind=kind, capture=django_capture_on_commit_callbacks)
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
    assert client.get(reverse("roster:export_job_file", args=[old.pk])).status_code == 404
    page = client.get(reverse("roster:export_job", args=[old.pk])).content.decode()
    assert 'data-testid="export-expired"' in page and 'data-testid="export-download"' not in page
    assert client.get(reverse("roster:export_job_file", args=[fresh.pk])).status_code == 200
    # Run again: nothing more goes; the asker's folder stays while it holds a file, and goes when emptied.
    with django_capture_on_commit_callbacks(execute=True):
        resume_export_jobs()
    assert storage.exists(fresh.file.name)
    folder = tmp_path / "exports" / str(unit_staff.pk)
    assert folder.is_dir()
    ExportJob.objects.filter(pk=fresh.pk).update(finished_at=timezone.now() - timedelta(hours=73))
    with django_capture_on_commit_callbacks(execute=True):
        resume_export_jobs()
    assert not folder.exists() and (tmp_path / "exports").is_dir()


def test_the_former_addresses_of_a_reports_job_lead_to_its_page(client, unit_staff, django_capture_on_commit_callbacks):
    client.force_login(unit_staff)
    ask(client, run=False, capture=django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    page = client.get(f"/reports/exports/{job.pk}/")
    assert page.status_code == 302 and page["Location"] == reverse("roster:export_job", args=[job.pk])
    download = client.get(f"/reports/exports/{job.pk}/file/")
    assert download["Location"] == reverse("roster:export_job_file", args=[job.pk])


# --- the move of the reports' jobs ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_the_reports_jobs_with_their_ids_and_notifications(unit_staff):
    """The reports' export jobs made before every job was a ``collaborators.ExportJob`` keep their ids,
    files and notifications (and the sequence of ids goes on after them)."""
    executor = MigrationExecutor(connection)
    before = [("reports", "0011_export_job")]
    after = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        executor.loader.build_graph()
        old_apps = executor._create_project_state(with_applied_migrations=True).apps
        OldJob = old_apps.get_model("reports", "ExportJob")
        OldNotification = old_apps.get_model("notifications", "Notification")
        moved = OldJob.objects.create(
            requested_by_id=unit_staff.pk,
            parameters={"status": ""},
            language="vi",
            status="done",
            rows_done=3,
            rows_total=3,
            file=f"exports/{unit_staff.pk}/bao-cao.xlsx",
            finished_at=timezone.now(),
        )
        OldJob.objects.filter(pk=moved.pk).update(id=41)
        OldNotification.objects.create(
            recipient_id=unit_staff.pk,
            kind="export_ready",
            subject="Tệp Excel đồng chí yêu cầu đã sẵn sàng (3 báo cáo)",
            link="/reports/exports/41/",
            about_model="reports.exportjob",
            about_id=41,
        )
        created_at = OldJob.objects.get(pk=41).created_at
        # The sweep's periodic job, as an administrator changed it (every 10 minutes).
        every = old_apps.get_model("django_celery_beat", "IntervalSchedule").objects.create(every=10, period="minutes")
        old_apps.get_model("django_celery_beat", "PeriodicTask").objects.create(
            name="reports.export_jobs", task="reports.tasks.resume_export_jobs", interval_id=every.pk
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
    job = ExportJob.objects.get()
    assert (job.pk, job.kind, job.requested_by_id, job.status, job.rows_done) == (
        41,
        "reports",
        unit_staff.pk,
        "done",
        3,
    )
    assert (job.parameters, job.language, job.file.name, job.created_at) == (
        {"status": ""},
        "vi",
        f"exports/{unit_staff.pk}/bao-cao.xlsx",
        created_at,
    )
    note = Notification.objects.get(kind="export_ready")
    assert (note.about_model, note.about_id, note.link) == ("collaborators.exportjob", 41, "/roster/exports/41/")
    new, _created = exports.export_job_request(actor=unit_staff, kind="people", parameters={})
    assert new.pk > 41
    sweep = PeriodicTask.objects.get(task__endswith="resume_export_jobs")
    assert (sweep.name, sweep.task, sweep.interval.every) == (
        "collaborators.export_jobs",
        "collaborators.tasks.resume_export_jobs",
        10,
    )
