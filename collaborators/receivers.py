"""The collaborators app's part in the privacy app's events, and its own kind of export job. Connected from
``CollaboratorsConfig.ready``."""

from django.dispatch import receiver

from collaborators.models.exports import ExportJobKind
from collaborators.services.imports import roster_export_source
from collaborators.services.people import people_left_retention
from collaborators.signals import export_job_source
from privacy.signals import retention_due


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
