import json

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


class Command(BaseCommand):
    help = "Create the periodic jobs listed in settings.PERIODIC_TASKS (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Overwrite schedules that admins have changed.")

    @transaction.atomic
    def handle(self, *args, reset=False, **options):
        for spec in settings.PERIODIC_TASKS:
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
