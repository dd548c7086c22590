from celery import shared_task

from notifications import services
from notifications.services import digests


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=60, soft_time_limit=50)
def deliver_notification(notification_id: int) -> bool:
    return services.notification_deliver(notification_id=notification_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def sweep_notifications() -> int:
    return services.notifications_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=1800, soft_time_limit=1700)
def send_digests() -> int:
    return digests.digests_due()
