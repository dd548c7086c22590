from celery import shared_task

from reports import services


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def flag_overdue_reports() -> int:
    return services.reports_flag_overdue()
