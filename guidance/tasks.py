from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def rumour_alerts() -> int:
    return services.rumour_alerts()
