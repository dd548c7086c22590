"""The trainings app's periodic jobs, written to django-celery-beat by ``manage.py setup_periodic_tasks``."""

SCHEDULES = [
    {
        "name": "trainings.reminders",
        "task": "trainings.tasks.send_reminders",
        "crontab": {"minute": 0, "hour": 8},
        "description": "Remind registered people of tomorrow's trainings (one reminder per registration).",
    },
    {
        "name": "trainings.complete",
        "task": "trainings.tasks.complete_sessions",
        "every_minutes": 60,
        "description": "Complete ended trainings; the unmarked become absent.",
    },
]
