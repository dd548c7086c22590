from django.core.management.base import BaseCommand

from summaries.services.tallies import tallies_rebuild


class Command(BaseCommand):
    help = (
        "Count every report into the dashboard tallies from scratch: once after installing the summaries app on a "
        "database that already has reports, or after restoring a backup. Afterwards each report's change keeps them "
        "current."
    )

    def handle(self, *args, **options):
        counted = tallies_rebuild()
        self.stdout.write(f"{counted} reports counted into the tallies.")
