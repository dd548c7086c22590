"""The notifications app's periodic jobs, written to django-celery-beat by ``manage.py setup_periodic_tasks``."""

from django.conf import settings

SCHEDULES = [
    {
        "name": "notifications.sweep",
        "task": "notifications.tasks.sweep_notifications",
        "every_minutes": settings.NOTIFICATION_SWEEP_MINUTES,
        "description": "Deliver notifications still unsent (broker outage, killed worker).",
    },
    {
        "name": "notifications.digests",
        "task": "notifications.tasks.send_digests",
        "crontab": {"minute": "5"},
        "description": "Send the daily and weekly digests whose period has ended (from the digest hour, Hanoi time).",
    },
]
