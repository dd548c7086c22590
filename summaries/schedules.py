"""The summaries app's periodic jobs, written to django-celery-beat by ``manage.py setup_periodic_tasks``."""

SCHEDULES = [
    {
        "name": "summaries.compile_monthly",
        "task": "summaries.tasks.compile_due_summaries",
        "crontab": {"minute": 30, "hour": 1},
        "kwargs": {"kind": "monthly"},
        "description": (
            "Compile the last month's summaries (city, unions with reports) once the review deadline has passed."
        ),
    },
    {
        "name": "summaries.compile_weekly",
        "task": "summaries.tasks.compile_due_summaries",
        "crontab": {"minute": 0, "hour": 2},
        "kwargs": {"kind": "weekly"},
        "description": "Compile last week's summaries for the city and every union with reports (once).",
    },
    {
        "name": "summaries.resume_compiles",
        "task": "summaries.tasks.resume_compiles",
        "every_minutes": 15,
        "description": "Finish summaries whose compile was interrupted (worker lost, broker down).",
    },
    {
        "name": "summaries.compliance_reminders",
        "task": "summaries.tasks.send_compliance_reminders",
        "crontab": {"minute": 0, "hour": 9},
        "description": "Remind active collaborators who have not reported, a few days before the due day.",
    },
    {
        "name": "summaries.tallies_catch_up",
        "task": "summaries.tasks.tallies_catch_up",
        "every_minutes": 30,
        "description": "Re-count reports changed outside the usual path into the dashboard tallies.",
    },
]
