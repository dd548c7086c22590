"""The collaborators app's periodic jobs, written to django-celery-beat by ``manage.py setup_periodic_tasks``."""

SCHEDULES = [
    {
        "name": "collaborators.incident_reminders",
        "task": "collaborators.tasks.remind_incidents",
        "every_minutes": 30,
        "description": "Remind the administrators of personal-data incidents whose 72 hours are running out.",
    },
]
