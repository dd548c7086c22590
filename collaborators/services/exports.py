"""Large exports built in the background, one mechanism for every kind (the review queue's reports, the
roster's people).

A large XLSX takes longer to build than a request may last, and unlike a CSV it cannot be streamed (the
archive's directory comes last). So the Excel button writes an ``ExportJob`` (``export_job_request``: a
pending one with the same filters is reused) and its view queues ``collaborators.tasks.build_export_job``,
which calls ``export_job_build``: it asks the app that owns the job's kind for its rows through the
``export_job_source`` signal (the reports app for the reports, this app for the people), writes the
workbook (write-only, the rows read in chunks) with its progress, records the ``ExportRecord`` and sends
``export_job_done`` (the notifications app tells the asker). ``export_files_expire`` deletes the files
past ``EXPORT_FILE_HOURS``; ``export_jobs_stalled`` finds the jobs never queued and fails those that lost
their worker (``collaborators.tasks.resume_export_jobs``, every five minutes).
"""

import logging
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation

from collaborators.access import is_staff_or_admin
from collaborators.models import ExportRecord, User
from collaborators.models.exports import FILE_STEMS, ExportJob, ExportJobKind, ExportJobStatus
from collaborators.signals import export_job_done, export_job_source
from core.files import files_delete, stored_files_delete

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 2000  # rows written between two progress updates
# The rows written so far, while the build runs. Not the job's row: the build reads its rows inside one
# transaction (PostgreSQL's server-side cursor is read as it goes only there), so an UPDATE of the job made
# in it stays invisible to the progress page until the very end. The cache is seen at once.
PROGRESS_KEY = "export-job:%s:rows-done"
STALLED_PENDING = 120  # seconds a job may wait for its task before the periodic job queues it again
LOST_RUNNING = 3600  # the task's time limit: a job still running after it lost its worker


@dataclass
class ExportSource:
    """What the app owning a kind of export gives the build: the header row, the rows (lazy: read in
    chunks, each cell already neutralised against formulas by the sheet writer), how many there are (for
    the progress bar) and the sheet's title."""

    headers: Sequence[str]
    rows: Iterable[Sequence]
    total: int
    title: str


class ExportKindUnknown(Exception):
    """No installed app answers for the job's kind."""


def export_parameters(data) -> dict:
    """The filters as given (a QueryDict), in the shape the export record and the job keep."""
    return {key: values[0] if len(values) == 1 else values for key, values in data.lists()}


def export_job_request(
    *, actor: User, kind: str, parameters: dict, language: str = "", return_path: str = ""
) -> tuple[ExportJob, bool]:
    """The job building this XLSX: a waiting or running one of the same kind and filters is reused (a
    double click makes one job). Returns ``(job, created)``; the caller queues a new one
    (``collaborators.tasks.build_export_job``, after the commit). Only staff and admins export (the rows
    are scoped to the asker again when the file is built)."""
    if not is_staff_or_admin(actor):
        raise PermissionError("only staff and admins export")
    kind = ExportJobKind(kind)
    with transaction.atomic():
        # One asker's requests are serialised on their own row, so two clicks cannot both create a job.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        job = ExportJob.objects.filter(requested_by=actor, kind=kind, parameters=parameters).pending().first()
        if job is not None:
            return job, False
        job = ExportJob.objects.create(
            requested_by=actor, kind=kind, parameters=parameters, language=language, return_path=return_path
        )
    return job, True


def _source(job: ExportJob) -> ExportSource:
    for _receiver, source in export_job_source.send(sender=ExportJob, job=job):
        if source is not None:
            return source
    raise ExportKindUnknown(job.kind)


def _progress_note(job_id: int, done: int) -> None:
    """Tell the job's page how many rows are written (a cache that does not answer only stops the bar)."""
    try:
        cache.set(PROGRESS_KEY % job_id, done, timeout=LOST_RUNNING)
    except Exception:  # noqa: BLE001 - the progress bar is not worth failing the export for
        logger.warning("The progress of export job %s could not be noted", job_id, exc_info=True)


def export_job_progress(job: ExportJob) -> ExportJob:
    """``job`` with the rows written so far while it is built (``rows_done`` holds the final count only
    once the build has committed)."""
    if job.status == ExportJobStatus.RUNNING:
        try:
            noted = cache.get(PROGRESS_KEY % job.pk)
        except Exception:  # noqa: BLE001 - without the cache the page shows the job's own figure
            noted = None
        if noted:
            job.rows_done = max(job.rows_done, int(noted))
    return job


def export_job_build(job_id: int) -> None:
    """Build the job's workbook (write-only, read in chunks) from its kind's rows in the asker's scope as
    it is now, record the export and send ``export_job_done``. A job already claimed, built or gone is
    left alone; a failure marks the job failed (its page says so) and is logged."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJobStatus.PENDING).update(status=ExportJobStatus.RUNNING)
    if not claimed:
        return
    job = ExportJob.objects.select_related("requested_by", "requested_by__unit").get(pk=job_id)
    actor = job.requested_by
    try:
        if not actor.is_active or not is_staff_or_admin(actor):
            raise PermissionError("the asker may no longer export")  # their role changed since they asked
        with translation.override(job.language or None):
            source = _source(job)
            ExportJob.objects.filter(pk=job.pk).update(rows_total=source.total)
            done = 0

            def rows():
                nonlocal done
                for row in source.rows:
                    done += 1
                    if done % PROGRESS_EVERY == 0:
                        _progress_note(job.pk, done)
                    yield row

            from core.spreadsheets import save_xlsx  # looked up when called, so a test can make it fail

            with tempfile.TemporaryFile() as handle:
                # Inside a transaction PostgreSQL's server-side cursor is read as it goes: in autocommit it
                # would build the whole result first.
                with transaction.atomic():
                    save_xlsx(handle, source.headers, rows(), title=source.title)
                handle.seek(0)
                name = f"{FILE_STEMS[job.kind]}-{timezone.localdate():%Y-%m-%d}-{job.pk}.xlsx"
                job.file.save(name, File(handle), save=False)
        with transaction.atomic():
            ExportJob.objects.filter(pk=job.pk).update(
                file=job.file.name,
                rows_done=done,
                rows_total=done,
                status=ExportJobStatus.DONE,
                finished_at=timezone.now(),
            )
            ExportRecord.objects.create(
                user=actor, kind=job.record_kind, file_format="xlsx", row_count=done, parameters=job.parameters
            )
            job.refresh_from_db()
            export_job_done.send(sender=ExportJob, job=job)
    except Exception:  # noqa: BLE001 - the asker is shown the failure; the traceback goes to the log
        logger.exception("The XLSX export job %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJobStatus.FAILED, finished_at=timezone.now(), file="")
        if job.file.name:  # written before the failure: no row names it any more, so nothing would expire it
            stored_files_delete(job.file.storage, [job.file.name])


def export_files_expire() -> int:
    """Delete the files of finished export jobs older than ``EXPORT_FILE_HOURS``: a workbook of reports or
    people is personal data kept only as long as its asker needs to download it. The job row stays (who
    asked for what, when); its page says the file has expired. Returns how many files went."""
    hours = settings.EXPORT_FILE_HOURS
    if hours <= 0:
        return 0
    expired = ExportJob.objects.filter(
        status=ExportJobStatus.DONE, finished_at__lt=timezone.now() - timedelta(hours=hours)
    ).exclude(file="")
    # The row stays (keep_rows); its file goes once that is committed (a rolled-back run keeps both).
    return files_delete(expired, keep_rows=True)


def export_jobs_stalled() -> list[int]:
    """The jobs whose task was never queued (the broker was down): their ids, to queue again. Jobs still
    running past the task's time limit lost their worker: they are marked failed (the asker is told on
    the job's page and may ask again)."""
    now = timezone.now()
    ExportJob.objects.filter(
        status=ExportJobStatus.RUNNING, created_at__lt=now - timedelta(seconds=LOST_RUNNING)
    ).update(status=ExportJobStatus.FAILED, finished_at=now)
    return list(
        ExportJob.objects.filter(
            status=ExportJobStatus.PENDING, created_at__lt=now - timedelta(seconds=STALLED_PENDING)
        ).values_list("pk", flat=True)
    )
