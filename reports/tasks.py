from celery import shared_task

from reports import services


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def flag_overdue_reports() -> int:
    return services.reports_flag_overdue()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=3600, soft_time_limit=3500)
def build_export_job(job_id: int) -> None:
    from reports.services.exports import export_job_build

    export_job_build(job_id)
