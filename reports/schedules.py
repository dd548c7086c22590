"""The reports app's periodic jobs, written to django-celery-beat by ``manage.py setup_periodic_tasks``."""

SCHEDULES = [
    {
        "name": "reports.overdue",
        "task": "reports.tasks.flag_overdue_reports",
        "every_minutes": 60,
        "description": "Flag reports waiting for review too long and notify reviewers once.",
    },
]
