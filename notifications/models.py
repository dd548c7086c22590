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
    about_id = models.PositiveBigIntegerField(null=True, blank=True, verbose_name=_("about record number"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Delivery bookkeeping: a claim with an expiry, so two deliverers never
    # send the same row at once and a killed worker's claim lapses.
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("claimed until"))
    attempts = models.PositiveSmallIntegerField(default=0, editable=False, verbose_name=_("attempts"))
    last_error = models.CharField(max_length=500, blank=True, editable=False, verbose_name=_("last error"))

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

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("notification")
    )
    file = models.FileField(upload_to=outbox_path, max_length=255, verbose_name=_("file"))
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100, verbose_name=_("content type"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.filename


# --- Where and when each person is told ---------------------------------------------------------------


class Category(models.TextChoices):
    """The kinds of message a person chooses channels for; each notification kind belongs to one."""

    REMINDERS = "reminders", _("Reminders")
    GUIDANCE = "guidance", _("Guidance and requests for opinion")
    ANSWERS = "answers", _("Answers to my reports")
    REVIEWS = "reviews", _("Review outcomes of my reports")
    TRAININGS = "trainings", _("Trainings")
    STAFF_ALERTS = "staff_alerts", _("Alerts for staff")
    OTHER = "other", _("Account and other messages")


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")
    ZALO = "zalo", _("Zalo")
    SMS = "sms", _("SMS")
    PUSH = "push", _("Web Push")


# Channels each message costs money on (counted per unit and month for staff).
PAID_CHANNELS = (Channel.SMS, Channel.ZALO)
# Channels that ring a phone: held back during the person's quiet hours unless the message is urgent.
QUIET_CHANNELS = (Channel.SMS, Channel.ZALO, Channel.PUSH)


class Cadence(models.TextChoices):
    NOW = "now", _("At once")
    DAILY = "daily", _("Daily digest")
    WEEKLY = "weekly", _("Weekly digest")


class PreferenceQuerySet(ScopedQuerySet):
    unit_path = None
    owner = "user"

    def for_superuser(self, user):
        return self.for_collaborator(user)

    def for_staff(self, user, unit):
        return self.for_collaborator(user)


class Preference(models.Model):
    """One person's choice for one category; without a row the defaults of their role apply."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    category = models.CharField(_("kind of notification"), max_length=20, choices=Category.choices)
    channels = models.JSONField(_("channels"), default=list)
    cadence = models.CharField(_("when"), max_length=10, choices=Cadence.choices, default=Cadence.NOW)

    objects = PreferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "category"], name="preference_once_per_category")]

    def __str__(self):
        return f"{self.user_id}: {self.get_category_display()}"


class ContactSettings(models.Model):
    """A person's verified phone number (for SMS and Zalo) and quiet hours (Hanoi time)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_settings", verbose_name=_("user")
    )
    verified_phone = models.CharField(_("verified phone"), max_length=20, blank=True)
    phone_verified_at = models.DateTimeField(_("phone verified"), null=True, blank=True)
    quiet_from = models.PositiveSmallIntegerField(_("quiet from (hour)"), default=21)
    quiet_until = models.PositiveSmallIntegerField(_("quiet until (hour)"), default=7)

    objects = PreferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact settings")
        verbose_name_plural = _("contact settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quiet_from__lte=23, quiet_until__lte=23), name="contact_quiet_hours_valid"
            ),
        ]

    def __str__(self):
        return str(self.user_id)


class PhoneVerification(models.Model):
    """A one-time code sent by SMS to a number the person wants to be reached on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phone_verifications", verbose_name=_("user")
    )
    phone = models.CharField(_("phone"), max_length=20)
    code_hash = models.CharField(max_length=128, verbose_name=_("code hash"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    verified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("verified at"))

    class Meta:
        verbose_name = _("phone verification")
        verbose_name_plural = _("phone verifications")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.phone


class PushSubscription(models.Model):
    """A browser (an installed app on a phone) that accepts Web Push for a person."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions", verbose_name=_("user")
    )
    endpoint = models.URLField(max_length=1000, unique=True, verbose_name=_("push endpoint"))
    p256dh = models.CharField(max_length=200, verbose_name=_("public key"))
    auth = models.CharField(max_length=100, verbose_name=_("authentication secret"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = PreferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("Web Push subscription")
        verbose_name_plural = _("Web Push subscriptions")

    def __str__(self):
        return self.endpoint[:60]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    HELD = "held", _("Held for the digest")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent")


class DeliveryQuerySet(ScopedQuerySet):
    """Staff read the deliveries of the people of their scope; a person their own."""

    unit_path = "notification__recipient__unit__path"
    owner = "notification__recipient"


class Digest(models.Model):
    """One digest of one person for one period: the row is the claim, so it goes out once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests", verbose_name=_("user")
    )
    cadence = models.CharField(max_length=10, choices=Cadence.choices, verbose_name=_("when"))
    period_start = models.DateField(verbose_name=_("period start"))
    claimed_until = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed until"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    channels_done = models.JSONField(default=list, verbose_name=_("channels done"))
    items = models.PositiveIntegerField(default=0, verbose_name=_("items"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("digest")
        verbose_name_plural = _("digests")
        constraints = [
            models.UniqueConstraint(fields=["user", "cadence", "period_start"], name="digest_once_per_period"),
        ]

    def __str__(self):
        return f"{self.user_id}: {self.get_cadence_display()} {self.period_start:%d/%m/%Y}"


class Delivery(models.Model):
    """One notification on one channel: claimed with a lease, retried with backoff, its outcome recorded."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("notification")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices, default="pending")
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.NOW, verbose_name=_("when"))
    digest = models.ForeignKey(
        Digest, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries", verbose_name=_("digest")
    )
    # The recipient's unit when the message was written: what the paid messages are counted against.
    unit = models.ForeignKey(
        "collaborators.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("unit")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt at"))
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("claimed until"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    provider_id = models.CharField(max_length=200, blank=True, verbose_name=_("provider message number"))
    last_error = models.CharField(_("error"), max_length=500, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="delivery_pending_idx", condition=models.Q(status="pending")),
            models.Index(fields=["provider_id"], name="delivery_provider_idx", condition=~models.Q(provider_id="")),
            models.Index(fields=["channel", "sent_at"], name="delivery_sent_idx"),
        ]

    def __str__(self):
        return f"{self.notification_id}: {self.get_channel_display()}, {self.get_status_display()}"


class PaidMessageTallyQuerySet(ScopedQuerySet):
    unit_path = "unit__path"


class PaidMessageTally(models.Model):
    """Paid messages (SMS, Zalo) sent per unit, month and channel, counted as they go out."""

    unit = models.ForeignKey("collaborators.Unit", on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    month = models.DateField(_("month"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    messages = models.PositiveIntegerField(_("messages"), default=0)

    objects = PaidMessageTallyQuerySet.as_manager()

    class Meta:
        verbose_name = _("paid messages")
        verbose_name_plural = _("paid messages")
        constraints = [
            models.UniqueConstraint(fields=["unit", "month", "channel"], name="paid_tally_once_per_unit_month"),
        ]

    def __str__(self):
        return f"{self.unit_id} {self.month:%m/%Y} {self.get_channel_display()}: {self.messages}"


class ProviderToken(models.Model):
    """A provider's current access token and the refresh token it rotates (Zalo issues a new pair each time)."""

    channel = models.CharField(max_length=10, choices=Channel.choices, unique=True, verbose_name=_("channel"))
    access_token = models.TextField(blank=True, verbose_name=_("access token"))
    refresh_token = models.TextField(blank=True, verbose_name=_("refresh token"))
    expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("expires at"))

    class Meta:
        verbose_name = _("provider token")
        verbose_name_plural = _("provider tokens")

    def __str__(self):
        return self.get_channel_display()
