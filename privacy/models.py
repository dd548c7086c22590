"""Records kept about personal data: who read what, what happened to an account, who is signed in where.

This app sits just above ``core`` so that every app's views can write into the read log; it therefore
knows people only as ``settings.AUTH_USER_MODEL`` and never imports an app above it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnly(models.Model):
    """A row that is written once: saving it again or deleting it one by one is refused (the
    retention job removes expired rows in bulk, and records how many)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError("append-only record")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("append-only record")


class ReadKind(models.TextChoices):
    PERSON = "person", _("Person's page")
    REPORT = "report", _("Report")
    ATTACHMENT = "attachment", _("Attachment")
    SUMMARY = "summary", _("Summary")
    EXPORT = "export", _("Export or download")
    OWN_DATA = "own_data", _("Own data")


class ReadEntry(AppendOnly):
    """One reading of personal data: who, when, what, from which address."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("reader")
    )
    kind = models.CharField(_("what"), max_length=16, choices=ReadKind.choices)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    label = models.CharField(_("object"), max_length=200, blank=True)
    # Whose personal data it is (the person, the report's author); empty for exports of many people.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("whose data")
    )
    address = models.GenericIPAddressField(_("network address"), null=True, blank=True)
    path = models.CharField(_("page"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("read log entry")
        verbose_name_plural = _("read log")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["subject", "-at"], name="privacy_read_subject_at"),
            models.Index(fields=["object_type", "object_id"], name="privacy_read_object"),
            models.Index(fields=["reader", "-at"], name="privacy_read_reader_at"),
        ]

    def __str__(self):
        return f"{timezone.localtime(self.at):%d/%m/%Y %H:%M} {self.get_kind_display()} {self.label}"


class AccountEventKind(models.TextChoices):
    TWO_FACTOR_ENROLLED = "2fa_enrolled", _("Two-factor sign-in set up")
    TWO_FACTOR_RESET = "2fa_reset", _("Two-factor sign-in reset by an administrator")
    TWO_FACTOR_REMOVED = "2fa_removed", _("Two-factor sign-in turned off")
    RECOVERY_CODES = "recovery_codes", _("New recovery codes")
    SESSIONS_ENDED = "sessions_ended", _("Other sessions signed out")
    PASSWORD_CHANGED = "password_changed", _("Password changed")


class AccountEvent(AppendOnly):
    """A change to how a person signs in, and who made it."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    kind = models.CharField(_("what"), max_length=24, choices=AccountEventKind.choices)
    address = models.GenericIPAddressField(_("network address"), null=True, blank=True)

    class Meta:
        verbose_name = _("account event")
        verbose_name_plural = _("account events")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{timezone.localtime(self.at):%d/%m/%Y %H:%M} {self.get_kind_display()}"


class SignedInSession(models.Model):
    """A session a person signed in with, keyed by the session key: written at sign-in, removed at
    sign-out, its last activity refreshed at most every few minutes."""

    session_key = models.CharField(max_length=40, unique=True, verbose_name=_("session key"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    started_at = models.DateTimeField(_("signed in"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last activity"), default=timezone.now)
    address = models.GenericIPAddressField(_("network address"), null=True, blank=True)
    user_agent = models.CharField(_("device"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")
        ordering = ["-last_seen_at"]

    def __str__(self):
        return f"{self.user_id} {self.address or ''}"


class RetentionKind(models.TextChoices):
    REPORTS = "reports", _("Reports (anonymised)")
    ATTACHMENTS = "attachments", _("Report attachments (deleted)")
    READ_LOG = "read_log", _("Read log entries (deleted)")
    NOTIFICATIONS = "notifications", _("Notifications (deleted)")
    PEOPLE_LEFT = "people_left", _("People who left the network (anonymised)")


class RetentionRun(models.Model):
    """One pass of the retention rules: a dry run (what would go) or a real run (what went). Counts only,
    never what was removed. A dry run that an administrator confirmed lets the real runs start, for as
    long as the retention settings stay those it was computed with."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    dry_run = models.BooleanField(_("dry run"), default=True)
    # The moment the ages were measured from: the run's time, or a later one given to the command.
    as_of = models.DateTimeField(_("ages measured at"), default=timezone.now)
    days = models.JSONField(_("days kept per kind"), default=dict)
    counts = models.JSONField(_("removed or anonymised per kind"), default=dict)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-at", "-pk"]

    def __str__(self):
        kind = _("dry run") if self.dry_run else _("deletion")
        return f"{timezone.localtime(self.at):%d/%m/%Y %H:%M} {kind}"

    @property
    def total(self):
        return sum(self.counts.values())
