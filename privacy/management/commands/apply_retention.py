"""Run the retention rules by hand: ``--dry-run`` lists what would go; a real run needs a confirmed dry run
of the current settings (confirmed on /roster/retention/ or here with ``--confirm``). ``--as-of`` measures
ages from another day, to show on demo data what the job will do once that day comes."""

from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from privacy.models import RetentionKind
from privacy.services import RetentionNotConfirmed, retention_confirm, retention_days, retention_run


class Command(BaseCommand):
    help = "Anonymise or delete personal data kept longer than the retention settings allow."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count what would go; change nothing.")
        parser.add_argument(
            "--confirm",
            action="store_true",
            help="Record a dry run as confirmed (as an administrator does on the retention page), then run.",
        )
        parser.add_argument("--as-of", help="Measure ages from this day (YYYY-MM-DD) instead of now.")

    def handle(self, *args, dry_run=False, confirm=False, as_of=None, **options):
        moment = None
        if as_of:
            try:
                day = datetime.strptime(as_of, "%Y-%m-%d").date()
            except ValueError as error:
                raise CommandError("--as-of takes a date as YYYY-MM-DD") from error
            moment = timezone.make_aware(datetime.combine(day, time(12, 0)))
        days = retention_days()
        if dry_run or confirm:
            run = retention_run(apply=False, as_of=moment)
            self._print(run, "Would anonymise or delete")
            if dry_run:
                return
            retention_confirm(run=run, by=None)
        try:
            run = retention_run(apply=True, as_of=moment)
        except RetentionNotConfirmed as error:
            raise CommandError(
                "No confirmed dry run of the current retention settings "
                f"({days}): confirm one on /roster/retention/ or run with --confirm."
            ) from error
        self._print(run, "Anonymised or deleted")

    def _print(self, run, heading):
        self.stdout.write(f"{heading} (ages measured at {timezone.localtime(run.as_of):%Y-%m-%d %H:%M}):")
        for kind, label in RetentionKind.choices:
            days = run.days.get(kind, 0)
            kept = f"{days} days" if days else "kept for ever"
            self.stdout.write(f"  {kind:<14} {run.counts.get(kind, 0):>8}   ({kept}: {label})")
