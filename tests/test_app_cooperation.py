"""Apps cooperate through code a reader can follow: settings hold values only, each app declares its own
periodic jobs, and every task's limits let Celery send it."""

import tomllib
from importlib import import_module
from pathlib import Path
from types import ModuleType

import pytest
from django.apps import apps
from django.conf import global_settings, settings
from django.core.management import call_command
from django.utils.module_loading import import_string, module_has_submodule
from django_celery_beat.models import PeriodicTask

from notifications.management.commands.setup_periodic_tasks import declared_schedules
from opinion_network.celery import app as celery_app

# The project's packages are the import contract's root packages: one list, in pyproject.toml.
PROJECT_PACKAGES = tuple(
    tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["tool"]["importlinter"][
        "root_packages"
    ]
)


def _names_project_code(value) -> bool:
    """Whether a setting's value is a dotted path (or a list of them) to something importable in the project."""
    candidates = value if isinstance(value, list | tuple) else [value]
    for candidate in candidates:
        if not isinstance(candidate, str) or not candidate.startswith(tuple(f"{p}." for p in PROJECT_PACKAGES)):
            continue
        try:
            target = import_string(candidate)
        except ImportError:
            continue
        if not isinstance(target, ModuleType):
            return True
    return False


# A library's own documented hook is its configuration, as Django's settings are Django's: axes asks for
# the function that gives the client address (core/client_ip.py) in AXES_CLIENT_IP_CALLABLE.
LIBRARY_HOOKS = {"AXES_CLIENT_IP_CALLABLE"}


def _code_settings() -> list[str]:
    """The project's own settings (Django's and its libraries' hooks are theirs) whose value names project code."""
    return [
        name
        for name in dir(settings._wrapped)
        if name.isupper()
        and not hasattr(global_settings, name)
        and name not in LIBRARY_HOOKS
        and _names_project_code(getattr(settings, name))
    ]


def test_settings_hold_values_only_not_lists_of_code_to_call():
    for gone in ("PERIODIC_TASKS", "REPORT_FORM_EXTENSIONS", "DEMO_SEEDERS", "PERSON_PAGE_SECTIONS"):
        assert not hasattr(settings, gone), gone
    assert _code_settings() == []


def test_the_settings_check_catches_a_hook_list(settings):
    settings.SOME_HOOKS = ["reports.selectors.person_section"]
    settings.SOME_VALUE = "reports.selectors"  # a module path is not code to call
    assert _code_settings() == ["SOME_HOOKS"]


EXPECTED_JOBS = {
    "notifications.sweep": "notifications.tasks.sweep_notifications",
    "reports.overdue": "reports.tasks.flag_overdue_reports",
    "trainings.reminders": "trainings.tasks.send_reminders",
    "trainings.complete": "trainings.tasks.complete_sessions",
    "guidance.rumour_alerts": "guidance.tasks.rumour_alerts",
    "guidance.publish_due": "guidance.tasks.publish_due_notes",
    "guidance.pulse": "guidance.tasks.pulse_remind_and_close",
    "summaries.compile_monthly": "summaries.tasks.compile_due_summaries",
    "summaries.compile_weekly": "summaries.tasks.compile_due_summaries",
    "summaries.resume_compiles": "summaries.tasks.resume_compiles",
    "summaries.compliance_reminders": "summaries.tasks.send_compliance_reminders",
}


@pytest.mark.django_db
def test_setup_periodic_tasks_creates_every_apps_schedule_once():
    call_command("setup_periodic_tasks", verbosity=0)
    call_command("setup_periodic_tasks", verbosity=0)
    jobs = dict(PeriodicTask.objects.values_list("name", "task"))
    assert EXPECTED_JOBS.items() <= jobs.items()
    assert set(jobs) == {spec["name"] for spec in declared_schedules()}
    # Each job sits in the schedules module of the app whose task it runs.
    for spec in declared_schedules():
        owner = spec["task"].split(".", 1)[0]
        assert module_has_submodule(apps.get_app_config(owner).module, "schedules"), spec["name"]
        assert spec in import_module(f"{owner}.schedules").SCHEDULES


@pytest.mark.django_db
def test_setup_periodic_tasks_keeps_an_admins_change_unless_reset():
    call_command("setup_periodic_tasks", verbosity=0)
    PeriodicTask.objects.filter(name="reports.overdue").update(enabled=False, description="changed by an admin")
    call_command("setup_periodic_tasks", verbosity=0)
    assert PeriodicTask.objects.get(name="reports.overdue").description == "changed by an admin"
    call_command("setup_periodic_tasks", "--reset", verbosity=0)
    job = PeriodicTask.objects.get(name="reports.overdue")
    assert job.description.startswith("Flag reports waiting for review")
    assert job.interval.every == 60


def _project_tasks():
    celery_app.loader.import_default_modules()
    return {name: task for name, task in celery_app.tasks.items() if name.startswith(PROJECT_PACKAGES)}


def test_every_scheduled_job_runs_a_registered_task():
    registered = _project_tasks()
    assert {spec["task"] for spec in declared_schedules()} <= set(registered)


def test_every_task_stops_softly_before_it_is_killed():
    tasks = _project_tasks()
    assert "summaries.tasks.resume_compiles" in tasks and len(tasks) >= 10
    for name, task in tasks.items():
        soft = task.soft_time_limit or celery_app.conf.task_soft_time_limit
        hard = task.time_limit or celery_app.conf.task_time_limit
        assert soft and hard and soft < hard, f"{name}: soft {soft} s, hard {hard} s"
