"""The collaborators app's part in the privacy app's events, and its own kind of export job. Connected from
``CollaboratorsConfig.ready``."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from collaborators.models.exports import ExportJobKind
from collaborators.services.imports import roster_export_source
from collaborators.services.people import people_left_retention
from collaborators.signals import export_job_source
from core import fragments
from privacy.signals import retention_due

# The units the lists' filter forms offer (their HTML is kept under ``fragments.CHOICES``: the roster's
# here, the review queue's in the reports app): a unit created, renamed, moved or ended.
UNIT_MODELS = {"collaborators.unit", "collaborators.unitmove"}


@receiver(post_save, dispatch_uid="collaborators.unit_choices_saved")
@receiver(post_delete, dispatch_uid="collaborators.unit_choices_deleted")
def unit_choices_changed(sender, **kwargs):
    if sender._meta.label_lower in UNIT_MODELS:
        fragments.bump(fragments.CHOICES)


@receiver(retention_due, dispatch_uid="collaborators.retention")
def people_left_past_retention(sender, *, cutoffs, apply, **kwargs):
    """People who left the network longer ago than the retention allows are anonymised."""
    if "people_left" not in cutoffs:
        return {}
    return {"people_left": people_left_retention(before=cutoffs["people_left"], apply=apply)}


@receiver(export_job_source, dispatch_uid="collaborators.export_source")
def people_export_source(sender, *, job, **kwargs):
    """The roster's rows for an export job of the people kind."""
    if job.kind != ExportJobKind.PEOPLE:
        return None
    return roster_export_source(job=job)
