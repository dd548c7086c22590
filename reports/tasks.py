from celery import shared_task

from reports import services


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def flag_overdue_reports() -> int:
    return services.reports_flag_overdue()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=3600, soft_time_limit=3500)
def build_export_job(job_id: int) -> None:
    from reports.services.exports import export_job_build

    export_job_build(job_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=120, soft_time_limit=100)
def resume_export_jobs() -> int:
    """Queue the export jobs whose task was lost while the broker was down, and delete the files of
    finished jobs past ``EXPORT_FILE_HOURS``."""
    from core.tasks import enqueue
    from reports.services.exports import export_files_expire, export_jobs_stalled

    export_files_expire()
    ids = export_jobs_stalled()
    for job_id in ids:
        enqueue(build_export_job, job_id)
    return len(ids)
