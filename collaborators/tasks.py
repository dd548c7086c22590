from celery import shared_task

from collaborators.services.incidents import incidents_remind


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=120, soft_time_limit=100)
def remind_incidents():
    """The administrators' reminder of incidents whose 72 hours are running out."""
    return incidents_remind()
