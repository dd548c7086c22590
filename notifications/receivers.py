"""Outbox messages for events of lower apps, which signal them instead of importing this app, and the
queueing of every message once it is written."""

from django.db.models import Q
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from collaborators.models import Role, User
from collaborators.models.exports import ExportJobKind
from collaborators.signals import (
    export_job_done,
    incident_recorded,
    incident_reminder_due,
    invitation_issued,
    person_anonymised,
    personal_data_sections,
)
from core.files import files_delete
from core.tasks import enqueue
from notifications import selectors
from notifications.models import Notification, NotificationAttachment
from notifications.selectors import personal_data
from notifications.services import notify_account, notify_many, person_notifications_erase
from notifications.signals import notifications_written
from notifications.tasks import deliver_notification
from privacy.signals import retention_due


@receiver(notifications_written, dispatch_uid="notifications.queue_delivery")
def queue_delivery(sender, ids, **kwargs):
    """Queue the delivery of rows just committed (this signal is sent after the commit). With the broker
    down or hung, the first failure stops the queueing for the rest of the request: the rows wait for
    the sweep."""
    for pk in ids:
        enqueue(deliver_notification, pk)


@receiver(invitation_issued)
def send_invitation(sender, invitation, token, **kwargs):
    """The activation link goes out by e-mail through the outbox, in the same transaction."""
    user = invitation.user
    with translation.override("vi"):
        notify_account(
            recipient=user,
            kind="invitation",
            subject=_("Invitation to the public-opinion collaborator network"),
            body=_(
                "Hello %(name)s,\n\nYou have been added to the public-opinion collaborator network of %(unit)s. "
                "Open the link below to choose your password and activate your account. "
                "The link is valid until %(expires)s."
            )
            % {
                "name": user.full_name,
                "unit": user.unit.name if user.unit else "",
                "expires": timezone.localtime(invitation.expires_at).strftime("%d/%m/%Y"),
            },
            link=reverse("activate_link", args=[token]),
        )


@receiver(personal_data_sections, dispatch_uid="notifications.personal_data_notifications")
def person_notifications_data(sender, *, person, **kwargs):
    """Every message addressed to the person, for their own-data download."""
    return {"key": "notifications", "title": _("Notifications"), "rows": personal_data(person)}


@receiver(personal_data_sections, dispatch_uid="notifications.personal_data_choices")
def person_notification_choices_data(sender, *, person, **kwargs):
    return {
        "key": "notification_preferences",
        "title": _("Notification preferences"),
        "rows": selectors.personal_data_choices(person),
    }


@receiver(personal_data_sections, dispatch_uid="notifications.personal_data_contact")
def person_contact_data(sender, *, person, **kwargs):
    return {"key": "phone_and_quiet_hours", "title": _("Phone for SMS and Zalo, quiet hours"),
            "rows": selectors.personal_data_contact(person)}  # fmt: skip


@receiver(personal_data_sections, dispatch_uid="notifications.personal_data_phone_codes")
def person_phone_codes_data(sender, *, person, **kwargs):
    return {"key": "phone_codes", "title": _("Phone verification codes sent"),
            "rows": selectors.personal_data_phone_codes(person)}  # fmt: skip


@receiver(personal_data_sections, dispatch_uid="notifications.personal_data_push")
def person_push_data(sender, *, person, **kwargs):
    return {
        "key": "push_subscriptions",
        "title": _("Web Push subscriptions"),
        "rows": selectors.personal_data_push(person),
    }


@receiver(personal_data_sections, dispatch_uid="notifications.personal_data_deliveries")
def person_deliveries_data(sender, *, person, **kwargs):
    return {"key": "deliveries", "title": _("Deliveries of my notifications"),
            "rows": selectors.personal_data_deliveries(person)}  # fmt: skip


@receiver(person_anonymised, dispatch_uid="notifications.person_anonymised")
def erase_notifications_of_anonymised_person(sender, *, person, **kwargs):
    person_notifications_erase(person=person)


def _tell_administrators(incident, *, kind, subject):
    # The candidates; notify_many keeps those whom the incident's own rule (visible_to) lets open it.
    administrators = User.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True)
    body = _("Found at %(found)s; %(count)s people affected. The authority must be told by %(deadline)s.") % {
        "found": timezone.localtime(incident.found_at).strftime("%d/%m/%Y %H:%M"),
        "count": incident.people_affected,
        "deadline": timezone.localtime(incident.deadline).strftime("%d/%m/%Y %H:%M"),
    }
    link = reverse("roster:incident_detail", args=[incident.pk])
    notify_many(recipients=administrators, about=incident, kind=kind, subject=subject, body=body, link=link)


@receiver(incident_recorded, dispatch_uid="notifications.incident_recorded")
def tell_administrators_of_an_incident(sender, *, incident, **kwargs):
    _tell_administrators(incident, kind="incident_recorded", subject=_("A personal-data incident was recorded"))


@receiver(incident_reminder_due, dispatch_uid="notifications.incident_reminder")
def remind_administrators_of_an_incident(sender, *, incident, **kwargs):
    subject = _("The 72 hours to tell the authority of an incident are running out")
    _tell_administrators(incident, kind="incident_reminder", subject=subject)


@receiver(retention_due, dispatch_uid="notifications.retention")
def notifications_past_retention(sender, *, cutoffs, apply, **kwargs):
    """Notifications past their retention are deleted (with their delivery rows; the paid-message tallies
    per unit and month are separate counters and stay)."""
    if "notifications" not in cutoffs:
        return {}
    expired = Notification.objects.filter(created_at__lt=cutoffs["notifications"])
    if not apply:
        return {"notifications": expired.count()}
    # Their attachments' rows, then the files on disk once this commits (a cascade would leave the files).
    files_delete(NotificationAttachment.objects.filter(notification__in=expired))
    deleted = expired.delete()[1].get("notifications.Notification", 0)
    return {"notifications": deleted}


@receiver(export_job_done, dispatch_uid="notifications.export_ready")
def tell_the_asker_their_export_is_ready(sender, *, job, **kwargs):
    """The asker of an export job is told its file is ready (the job is theirs alone: ``about=job``)."""
    with translation.override("vi"):  # notifications are written in Vietnamese
        if job.kind == ExportJobKind.PEOPLE:
            subject = _("Your Excel export of the roster is ready (%(count)s people)") % {"count": job.rows_done}
        else:
            subject = _("Your Excel export is ready (%(count)s reports)") % {"count": job.rows_done}
    notify_many(
        recipients=[job.requested_by],
        about=job,
        kind="export_ready",
        subject=subject,
        link=reverse("roster:export_job", kwargs={"pk": job.pk}),
    )
