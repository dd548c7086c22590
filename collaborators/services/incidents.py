"""Personal-data incidents: recording one, marking the authority told, and the reminder before the 72 hours
run out. The administrators are told through ``incident_recorded`` and ``incident_reminder_due`` (the
notifications app, above this one, writes the messages)."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from collaborators.access import is_admin
from collaborators.models import Incident
from collaborators.signals import incident_recorded, incident_reminder_due

# The administrators are reminded once when this much of the 72 hours is left and the authority has not
# been told yet.
REMIND_BEFORE = timedelta(hours=24)


@transaction.atomic
def incident_record(*, actor, what: str, found_at, people_affected: int) -> Incident:
    """An administrator records an incident; every administrator is told at once."""
    if not is_admin(actor):
        raise PermissionDenied
    incident = Incident(what=what, found_at=found_at, people_affected=people_affected, recorded_by=actor)
    incident._history_user = actor
    incident.save()
    incident_recorded.send(sender=Incident, incident=incident)
    return incident


@transaction.atomic
def incident_authority_told(*, actor, incident: Incident, at=None) -> Incident:
    if not Incident.objects.manageable_by(actor).filter(pk=incident.pk).exists():
        raise PermissionDenied
    if incident.authority_told_at is None:
        incident.authority_told_at = at or timezone.now()
        incident._history_user = actor
        incident.save(update_fields=["authority_told_at"])
    return incident


@transaction.atomic
def incidents_remind(*, now=None) -> int:
    """Remind the administrators, once per incident, of every incident whose authority has not been told
    and whose 72 hours end within REMIND_BEFORE (or have ended). Returns how many were reminded."""
    now = now or timezone.now()
    due = (
        Incident.objects.open()
        .filter(reminded_at__isnull=True, found_at__lte=now - (Incident.deadline_after() - REMIND_BEFORE))
        .select_for_update()
    )
    count = 0
    for incident in due:
        incident.reminded_at = now
        incident.save(update_fields=["reminded_at"])
        incident_reminder_due.send(sender=Incident, incident=incident)
        count += 1
    return count
