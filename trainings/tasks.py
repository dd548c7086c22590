"""Thin periodic jobs; the work and its idempotency live in the services."""

from celery import shared_task

from trainings import services


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def send_reminders() -> int:
    """Remind registered people the day before (claims each registration; safe to run twice)."""
    return services.reminders_send()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def complete_sessions() -> int:
    """Complete ended sessions; the unmarked become absent."""
    return services.sessions_complete_due()
