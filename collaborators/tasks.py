from celery import shared_task

from collaborators.services import exports
from collaborators.services.incidents import incidents_remind
from core.tasks import enqueue


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=120, soft_time_limit=100)
def remind_incidents():
    """The administrators' reminder of incidents whose 72 hours are running out."""
    return incidents_remind()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=3600, soft_time_limit=3500)
def build_export_job(job_id: int) -> None:
    """Build an export job's XLSX, whatever its kind (reports, people)."""
    exports.export_job_build(job_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=120, soft_time_limit=100)
def resume_export_jobs() -> int:
    """Delete the files of finished export jobs past ``EXPORT_FILE_HOURS``, fail the jobs that lost their
    worker and queue those whose task was lost while the broker was down."""
    exports.export_files_expire()
    ids = exports.export_jobs_stalled()
    for job_id in ids:
        enqueue(build_export_job, job_id)
    return len(ids)
