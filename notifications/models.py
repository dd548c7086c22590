"""The outbox: every message to a person is a row first, delivered later."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from collaborators.access import ScopedQuerySet


class NotificationQuerySet(ScopedQuerySet):
    """A person sees only their own notifications, whatever their role."""

    unit_path = None
    owner = "recipient"

    def for_superuser(self, user):
        return self.for_collaborator(user)

    def for_staff(self, user, unit):
        return self.for_collaborator(user)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def unsent(self):
        return self.filter(sent_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
        null=True,
        blank=True,
    )
    # An outside address (a body the federation reports to) instead of a person of the roster.
    to_email = models.EmailField(_("address"), blank=True)
    kind = models.CharField(_("kind"), max_length=64)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    # The object the message names and links to (a report, a note, a session...). It is written only
    # for people who can open that object, and lists show a row only while they still can.
    # "app_label.model" and primary key; empty for a message about nothing in particular.
    about_model = models.CharField(_("about"), max_length=100, blank=True)
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Delivery bookkeeping: a claim with an expiry, so two deliverers never
    # send the same row at once and a killed worker's claim lapses.
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    last_error = models.CharField(max_length=500, blank=True, editable=False)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False) | ~models.Q(to_email=""),
                name="notification_has_recipient",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notif_recipient_read_idx"),
            models.Index(
                fields=["sent_at", "created_at"], name="notif_unsent_idx", condition=models.Q(sent_at__isnull=True)
            ),
        ]

    def __str__(self):
        return self.subject

    @property
    def is_read(self):
        return self.read_at is not None


def outbox_path(instance, filename):
    return f"outbox/{instance.notification_id}/{filename}"


class NotificationAttachment(models.Model):
    """A file sent with a notification (an issued summary's DOCX and XLSX), stored with the row."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=outbox_path, max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.filename
