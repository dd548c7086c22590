"""The follows app's periodic job, written to django-celery-beat by ``manage.py setup_periodic_tasks``."""

SCHEDULES = [
    {
        "name": "follows.check",
        "task": "follows.tasks.check_follows",
        "crontab": {"minute": "30", "hour": "7"},
        "description": "Tell staff of followed topics and focus policies rising and followed units gone silent.",
    },
]
