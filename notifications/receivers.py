"""Outbox messages for events of lower apps, which signal them instead of importing this app, and the
queueing of every message once it is written."""

import logging

from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from collaborators.signals import invitation_issued
from notifications.services import notify_account
from notifications.signals import notifications_written
from notifications.tasks import deliver_notification

logger = logging.getLogger(__name__)


@receiver(notifications_written, dispatch_uid="notifications.queue_delivery")
def queue_delivery(sender, ids, **kwargs):
    """Queue the delivery of rows just committed. With the broker down, the rows wait for the sweep."""
    for pk in ids:
        try:
            deliver_notification.delay(pk)
        except Exception:  # broker down or unreachable: the sweep will deliver it
            logger.warning("Could not enqueue notification %s; the sweep will deliver it", pk, exc_info=True)


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
