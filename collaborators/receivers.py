"""The collaborators app's part in the privacy app's events. Connected from ``CollaboratorsConfig.ready``."""

from django.dispatch import receiver

from collaborators.services.people import people_left_retention
from privacy.signals import retention_due


@receiver(retention_due, dispatch_uid="collaborators.retention")
def people_left_past_retention(sender, *, cutoffs, apply, **kwargs):
    """People who left the network longer ago than the retention allows are anonymised."""
    if "people_left" not in cutoffs:
        return {}
    return {"people_left": people_left_retention(before=cutoffs["people_left"], apply=apply)}
