"""The guidance app's periodic jobs, written to django-celery-beat by ``manage.py setup_periodic_tasks``."""

SCHEDULES = [
    {
        "name": "guidance.rumour_alerts",
        "task": "guidance.tasks.rumour_alerts",
        "every_minutes": 60,
        "description": "Alert federation staff once per rumour spreading fast, to issue guidance.",
    },
    {
        "name": "guidance.publish_due",
        "task": "guidance.tasks.publish_due_notes",
        "every_minutes": 5,
        "description": "Publish the guidance notes whose publish time has come, and notify their targets once.",
    },
    {
        "name": "guidance.pulse",
        "task": "guidance.tasks.pulse_remind_and_close",
        "every_minutes": 15,
        "description": "Remind once those asked who have not answered; close requests at the deadline.",
    },
]
