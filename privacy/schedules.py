"""The privacy app's periodic jobs, written to django-celery-beat by ``manage.py setup_periodic_tasks``."""

SCHEDULES = [
    {
        "name": "privacy.apply_retention",
        "task": "privacy.tasks.apply_retention",
        "crontab": {"minute": 40, "hour": 2},
        "description": "Anonymise or delete the personal data kept longer than the retention settings allow "
        "(once an administrator has confirmed a dry run).",
    },
]
