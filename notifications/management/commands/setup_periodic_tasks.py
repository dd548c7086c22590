"""Write every app's periodic jobs to django-celery-beat (run by `make run` and on deployment).

Each app declares its own jobs in ``<app>/schedules.py`` as a module-level ``SCHEDULES`` list; this
command finds them in every installed app the way Django finds ``admin.py`` modules, so the app that
owns a task also owns its schedule and no app (nor settings) has to name the others' jobs. A job is a
dict: ``name`` (unique), ``task`` (the Celery task's dotted name), either ``every_minutes`` or
``crontab`` (a dict of crontab fields, in TIME_ZONE), and optionally ``kwargs`` and ``description``.

Admins may change the jobs in /admin/ later: without --reset the command only creates what is missing.
"""

import json
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import module_has_submodule
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

SCHEDULES_MODULE = "schedules"


def declared_schedules() -> list[dict]:
    """The jobs of every installed app that has a ``schedules`` module, in INSTALLED_APPS order."""
    specs = []
    for app_config in apps.get_app_configs():
        if not module_has_submodule(app_config.module, SCHEDULES_MODULE):
            continue
        module = import_module(f"{app_config.name}.{SCHEDULES_MODULE}")
        specs.extend(getattr(module, "SCHEDULES", []))
    names = [spec["name"] for spec in specs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise CommandError(f"Periodic jobs declared twice: {', '.join(duplicates)}")
    return specs


class Command(BaseCommand):
    help = "Create the periodic jobs declared in each app's schedules.py (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Overwrite schedules that admins have changed.")

    @transaction.atomic
    def handle(self, *args, reset=False, **options):
        for spec in declared_schedules():
            defaults = {
                "task": spec["task"],
                "description": spec.get("description", ""),
                "kwargs": json.dumps(spec.get("kwargs", {})),
            }
            if "every_minutes" in spec:
                schedule, _ = IntervalSchedule.objects.get_or_create(
                    every=spec["every_minutes"], period=IntervalSchedule.MINUTES
                )
                defaults.update(interval=schedule, crontab=None)
            else:
                fields = {key: str(value) for key, value in spec["crontab"].items()}
                schedule, _ = CrontabSchedule.objects.get_or_create(timezone=settings.TIME_ZONE, **fields)
                defaults.update(crontab=schedule, interval=None)
            if reset:
                task, created = PeriodicTask.objects.update_or_create(name=spec["name"], defaults=defaults)
            else:
                task, created = PeriodicTask.objects.get_or_create(name=spec["name"], defaults=defaults)
            self.stdout.write(f"{'created' if created else 'kept'}: {task.name} -> {task.task}")
