"""The collaborators app's periodic jobs, written to django-celery-beat by ``manage.py setup_periodic_tasks``."""

SCHEDULES = [
    {
        "name": "collaborators.incident_reminders",
        "task": "collaborators.tasks.remind_incidents",
        "every_minutes": 30,
        "description": "Remind the administrators of personal-data incidents whose 72 hours are running out.",
    },
    {
        "name": "collaborators.export_jobs",
        "task": "collaborators.tasks.resume_export_jobs",
        "every_minutes": 5,
        "description": "Queue Excel exports whose job was not queued (broker down); fail those that lost their "
        "worker; delete finished files past EXPORT_FILE_HOURS.",
    },
]
