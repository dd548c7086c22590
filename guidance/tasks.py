from celery import shared_task

from guidance import services
from guidance.services import pulse as services_pulse


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def rumour_alerts() -> int:
    return services.rumour_alerts()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def pulse_remind_and_close() -> dict:
    return {"reminded": services_pulse.pulse_remind(), "closed": services_pulse.pulse_close_due()}


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def publish_due_notes() -> int:
    return services.guidance_publish_due()
