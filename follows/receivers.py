"""Followers hear of a rumour's verdict and of its spreading through the reports app's signals."""

from django.dispatch import receiver

from follows import services
from reports.signals import report_linked_to_rumour, rumour_verified


@receiver(rumour_verified, dispatch_uid="follows.rumour_verified")
def tell_verdict(sender, rumour, **kwargs):
    services.rumour_verdict_told(rumour=rumour)


@receiver(report_linked_to_rumour, dispatch_uid="follows.rumour_spreading")
def tell_spreading(sender, report, rumour, **kwargs):
    rumour.refresh_from_db(fields=["sighting_count"])
    services.rumour_spread_told(rumour=rumour)
