"""Outbox messages for events of lower apps, which signal them instead of importing this app, and the
queueing of every message once it is written."""

from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from collaborators.signals import invitation_issued
from core.tasks import enqueue
from notifications.services import notify_account
from notifications.signals import notifications_written
from notifications.tasks import deliver_notification


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
