"""Outbox messages for events of lower apps, which signal them instead of importing this app."""

from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from collaborators.signals import invitation_issued
from notifications.services import notify_account


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
