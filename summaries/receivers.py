"""Keep the monthly tallies current as reports change (reports cannot import this app).

The receiver only calls the service, inside the transaction that saved the report: the tallies
commit or roll back with it.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from collaborators.signals import units_moved
from reports.models import Report
from summaries.services.tallies import reports_tally, units_retally


def _ever_sent(report) -> bool:
    """A report never sent (a draft: first_submitted_at is set on the first send, never cleared) counts
    nowhere and never did, so its saves (the form's autosave) skip the tally's queries."""
    return report.first_submitted_at is not None


@receiver(post_save, sender=Report, dispatch_uid="summaries.tally_report")
def tally_saved_report(sender, instance, raw=False, **kwargs):
    if not raw and _ever_sent(instance):
        reports_tally(report_ids=[instance.pk])


@receiver(post_delete, sender=Report, dispatch_uid="summaries.untally_report")
def tally_deleted_report(sender, instance, **kwargs):
    if _ever_sent(instance):
        reports_tally(report_ids=[instance.pk])


@receiver(units_moved, dispatch_uid="summaries.retally_moved_units")
def retally_moved_units(sender, units, **kwargs):
    units_retally(units=units)
