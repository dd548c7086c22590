"""Demo data for every app: ``python manage.py seed_demo [--password P] [--force]`` (run by `make run`).

The shell sits above every app, so it calls each app's ``demo.seed`` itself, in the order their data
builds on each other: the roster first (units, demo accounts, collaborators), then reports, the guidance
that answers them, trainings, and the summaries counted from the reports. Each step is idempotent and
runs in its own transaction; running the command again adds nothing (the demo accounts' passwords are
set to the given one).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from collaborators import demo as roster_demo
from collaborators.models import Unit, User
from guidance import demo as guidance_demo
from reports import demo as reports_demo
from summaries import demo as summaries_demo
from trainings import demo as trainings_demo

# After the roster, in order; each takes no arguments and returns a one-line summary.
APP_SEEDERS = [reports_demo.seed, guidance_demo.seed, trainings_demo.seed, summaries_demo.seed]


class Command(BaseCommand):
    help = "Fill the database with demo units, accounts, reports, guidance, trainings and summaries (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=roster_demo.DEMO_PASSWORD, help="Password for the demo accounts.")
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off.")

    def handle(self, *args, password, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo refuses to run with DEBUG off (it writes demo accounts). Use --force.")
        self.stdout.write(roster_demo.seed(password=password))
        for seed in APP_SEEDERS:
            with transaction.atomic():
                message = seed()
            if message:
                self.stdout.write(message)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {Unit.objects.count()} units, {User.objects.count()} people. "
                f"Demo accounts: {', '.join(account[0] for account in roster_demo.DEMO_ACCOUNTS)}."
            )
        )
