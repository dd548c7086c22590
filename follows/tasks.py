from celery import shared_task

from follows import services


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=900, soft_time_limit=840)
def check_follows() -> int:
    return services.follows_check()
