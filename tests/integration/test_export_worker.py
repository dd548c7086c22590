"""Excel exports built by a real Celery worker (one task for every kind: the review queue's reports, the
roster's people): the button queues the job, the worker writes the workbook into the shared storage and
tells the asker; the asker downloads it."""

import io
import time
from pathlib import Path

import openpyxl
import pytest
from celery import current_app
from django.urls import reverse

from collaborators.models import ExportJob, ExportRecord, Role, UnitKind
from collaborators.models.exports import ExportJobStatus
from notifications.models import Notification
from reports.models import Topic
from tests.factories import UnitFactory, UserFactory
from tests.helpers import reset_broker_pools
from tests.integration.conftest import running_worker
from tests.reports.conftest import make_report

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

BUILD_TIMEOUT = 60  # seconds the worker may take (it takes about one)


@pytest.fixture
def worker_with_media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    conf = current_app.conf
    previous = (conf.task_always_eager, conf.task_default_queue, conf.broker_url)
    with running_worker(Path(tmp_path), {"MEDIA_ROOT": str(settings.MEDIA_ROOT)}) as worker:
        conf.task_always_eager = False
        conf.task_default_queue = worker.queue
        reset_broker_pools(current_app)
        try:
            yield worker
        finally:
            conf.task_always_eager, conf.task_default_queue, conf.broker_url = previous
            reset_broker_pools(current_app)


def _built(job, worker):
    deadline = time.monotonic() + BUILD_TIMEOUT
    while job.status in (ExportJobStatus.PENDING, ExportJobStatus.RUNNING) and time.monotonic() < deadline:
        time.sleep(0.25)
        job.refresh_from_db()
    assert job.status == ExportJobStatus.DONE, worker.output()[-3000:]
    return job


def test_the_worker_builds_the_file_and_the_asker_downloads_it(client, worker_with_media):
    Topic.objects.get_or_create(code="WAGES", defaults={"name": "Tiền lương, thu nhập"})
    city = UnitFactory(kind=UnitKind.CITY_FEDERATION, code="CITY", name="Liên đoàn Lao động thành phố")
    union = UnitFactory(parent=city, code="WARD-A", name="Công đoàn phường Ba Đình")
    other = UnitFactory(parent=city, code="WARD-B", name="Công đoàn phường Hoàn Kiếm")
    staff = UserFactory(username="staff-x", unit=union, role=Role.STAFF)
    author = UserFactory(username="collab-x", unit=union, role=Role.COLLABORATOR)
    outsider = UserFactory(username="collab-y", unit=other, role=Role.COLLABORATOR)
    for i in range(3):
        make_report(author, title=f"=cmd {i}")
    make_report(outsider, title="Ngoài phạm vi")
    client.force_login(staff)
    response = client.post(reverse("reports:export_job_new"), {"query": "status="})
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("roster:export_job", args=[job.pk])
    job = _built(job, worker_with_media)
    assert (job.kind, job.rows_done, job.rows_total) == ("reports", 3, 3)
    assert Notification.objects.filter(kind="export_ready", recipient=staff, about_id=job.pk).count() == 1
    download = client.get(reverse("roster:export_job_file", args=[job.pk]))
    assert download.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).worksheets[0]
    titles = sorted(row[8] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert titles == ["'=cmd 0", "'=cmd 1", "'=cmd 2"]


def test_the_worker_builds_the_rosters_file_in_the_askers_scope(client, worker_with_media):
    city = UnitFactory(kind=UnitKind.CITY_FEDERATION, code="CITY", name="Liên đoàn Lao động thành phố")
    union = UnitFactory(parent=city, code="WARD-A", name="Công đoàn phường Ba Đình")
    other = UnitFactory(parent=city, code="WARD-B", name="Công đoàn phường Hoàn Kiếm")
    admin = UserFactory(username="admin-x", full_name="Đỗ Văn Quân", unit=union, role=Role.ADMIN)
    for i in range(3):
        UserFactory(username=f"collab-{i}", full_name=f"=cmd {i}", unit=union, role=Role.COLLABORATOR)
    UserFactory(username="collab-y", full_name="Ngoài phạm vi", unit=other, role=Role.COLLABORATOR)
    client.force_login(admin)
    response = client.post(reverse("roster:export_job_new"), {"query": ""})
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("roster:export_job", args=[job.pk])
    job = _built(job, worker_with_media)
    assert (job.kind, job.rows_done, job.rows_total) == ("people", 4, 4)  # the three and the admin
    assert Notification.objects.filter(kind="export_ready", recipient=admin, about_id=job.pk).count() == 1
    assert ExportRecord.objects.filter(user=admin, kind="roster", file_format="xlsx", row_count=4).count() == 1
    download = client.get(reverse("roster:export_job_file", args=[job.pk]))
    assert download.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).worksheets[0]
    names = sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert names == ["'=cmd 0", "'=cmd 1", "'=cmd 2", "Đỗ Văn Quân"]
