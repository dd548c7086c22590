"""The notifications app's periodic jobs, written to django-celery-beat by ``manage.py setup_periodic_tasks``."""

from django.conf import settings

SCHEDULES = [
    {
        "name": "notifications.sweep",
        "task": "notifications.tasks.sweep_notifications",
        "every_minutes": settings.NOTIFICATION_SWEEP_MINUTES,
        "description": "Deliver notifications still unsent (broker outage, killed worker).",
    },
]
