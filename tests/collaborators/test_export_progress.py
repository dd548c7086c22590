"""The export job's page shows the rows written while the file is still being built.

The build reads its rows inside one transaction (PostgreSQL reads a server-side cursor as it goes only
there), so the job's row is not where the progress can be seen: another request, on its own connection,
would read 0 until the end. The page is read here from another thread (its own connection) midway."""

import re
import threading

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from collaborators.models import ExportJob
from collaborators.models.exports import ExportJobKind, ExportJobStatus
from collaborators.services import exports
from reports.models import Topic
from tests.clock import frozen_clock
from tests.prerequisites import needs_postgresql
from tests.reports.conftest import make_report

pytestmark = pytest.mark.django_db(transaction=True)
_clock = frozen_clock()


@pytest.fixture
def postgresql():
    needs_postgresql("the transaction-visibility test")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def page_seen_from_another_connection(user, job_id) -> str:
    seen = {}

    def read():
        try:
            client = Client()
            client.force_login(user)
            response = client.get(reverse("roster:export_job", args=[job_id]), headers={"HX-Request": "true"})
            seen["page"] = response.content.decode()
        finally:
            connections.close_all()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join(timeout=30)
    return seen["page"]


def test_the_progress_page_shows_the_rows_written_so_far_while_the_build_runs(
    postgresql, unit_staff, collaborator, monkeypatch
):
    # A transactional test's database is emptied after each test, the topics the migrations seed included.
    Topic.objects.get_or_create(code="WAGES", defaults={"name": "Tiền lương, thu nhập"})
    for _ in range(5):
        make_report(collaborator)
    job, _created = exports.export_job_request(
        actor=unit_staff, kind=ExportJobKind.REPORTS, parameters={"status": ""}, language="vi"
    )
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 1)
    real_source = exports._source
    midway = {}

    def watched_source(job):
        source = real_source(job)
        original = source.rows

        def rows():
            for number, row in enumerate(original, start=1):
                if number == 4:  # three rows written and noted; the fourth not yet
                    midway["page"] = page_seen_from_another_connection(unit_staff, job.pk)
                    midway["row"] = ExportJob.objects.get(pk=job.pk).rows_done  # the build's own transaction
                yield row

        source.rows = rows()
        return source

    monkeypatch.setattr(exports, "_source", watched_source)
    exports.export_job_build(job.pk)

    assert 'data-status="running"' in midway["page"]
    assert re.search(r"Đã ghi 3/5 dòng", midway["page"]), midway["page"]
    assert 'value="60"' in midway["page"]  # 3 of 5
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total) == (ExportJobStatus.DONE, 5, 5)
