"""Training sessions, registrations (with waitlist, attendance and feedback), materials and calendar feeds."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collaborators.access import Role, ScopedQuerySet
from collaborators.models import Unit
from core.history import HistoricalRecords
from core.uploads import TRAINING_MATERIAL, UploadValidator

# Check-in codes avoid characters that are easy to misread on a projector (0/O, 1/I/L).
CHECKIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CHECKIN_CODE_LENGTH = 6


def new_checkin_code() -> str:
    return "".join(secrets.choice(CHECKIN_ALPHABET) for _ in range(CHECKIN_CODE_LENGTH))


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class SessionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")


class RegistrationStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    REGISTERED = "registered", _("Registered")
    WAITLISTED = "waitlisted", _("On the waitlist")
    CANCELLED = "cancelled", _("Cancelled")
    ATTENDED = "attended", _("Attended")
    ABSENT = "absent", _("Absent")


# Registrations that hold a seat: the capacity counts these.
SEAT_STATUSES = (RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED)
# Registrations that mean "this person takes part" (for calendars, reminders, history).
PARTICIPANT_STATUSES = (
    RegistrationStatus.REGISTERED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.ATTENDED,
    RegistrationStatus.ABSENT,
)


class TrainingSessionQuerySet(ScopedQuerySet):
    """Sessions a person may see, and those an admin may run.

    - Staff and admins: sessions owned by a unit in their subtree (drafts included), and announced
      (published, completed or cancelled) sessions whose target units overlap their subtree (a target
      inside it, or a target above their unit, which covers it).
    - Collaborators: announced sessions targeted at their unit or a unit above it, and any announced
      session they have a registration for.
    - Acting (edit, publish, cancel, fill, materials): admins, on sessions owned within their subtree.
    """

    manager_roles = (Role.ADMIN,)

    def for_staff(self, user, unit):
        announced = ~Q(status=SessionStatus.DRAFT)
        ids = TrainingSession.objects.filter(
            announced & (Q(target_units__path__startswith=unit.path) | Q(target_units__path__in=unit.ancestor_paths()))
        ).values("pk")
        return self.filter(Q(unit__path__startswith=unit.path) | Q(pk__in=ids))

    def for_collaborator(self, user):
        announced = ~Q(status=SessionStatus.DRAFT)
        mine = Registration.objects.filter(person=user).exclude(status=RegistrationStatus.INVITED).values("session")
        if user.unit is None:
            return self.filter(announced & Q(pk__in=mine))
        ids = TrainingSession.objects.filter(announced & Q(target_units__path__in=user.unit.ancestor_paths()))
        return self.filter(Q(pk__in=ids.values("pk")) | (Q(pk__in=mine) & announced))

    def upcoming(self, now=None):
        return self.filter(ends_at__gte=now or timezone.now())

    def past(self, now=None):
        return self.filter(ends_at__lt=now or timezone.now())


class TrainingSession(models.Model):
    """One training (tập huấn): half a day to a few days, for the collaborators of some units."""

    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="training_sessions",
        verbose_name=_("organising unit"),
        help_text=_("The unit that organises the session; its admins manage it."),
    )
    title = models.CharField(_("title"), max_length=255)
    programme = models.TextField(_("programme"), blank=True)
    speakers = models.CharField(_("speakers"), max_length=500, blank=True)
    venue = models.CharField(_("venue"), max_length=255, blank=True)
    online_link = models.URLField(_("online link"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"), default=100, help_text=_("0 means no limit."))
    registration_deadline = models.DateTimeField(
        _("registration deadline"), null=True, blank=True, help_text=_("Empty: until the session starts.")
    )
    target_units = models.ManyToManyField(
        Unit,
        related_name="targeted_training_sessions",
        verbose_name=_("target units"),
        help_text=_("Collaborators of these units and the units under them are invited."),
    )
    target_positions = models.JSONField(_("positions"), default=list, blank=True)
    target_roles = models.JSONField(_("roles"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.DRAFT)
    checkin_code = models.CharField(_("check-in code"), max_length=16, default=new_checkin_code)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "checkin_code"])
    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["status", "starts_at"], name="training_status_start_idx"),
            models.Index(fields=["ends_at"], name="training_ends_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="training_ends_after_start"),
        ]

    def __str__(self):
        return self.title

    @property
    def deadline(self):
        return self.registration_deadline or self.starts_at

    @property
    def registration_open(self) -> bool:
        return self.status == SessionStatus.PUBLISHED and timezone.now() < self.deadline

    @property
    def has_started(self) -> bool:
        return timezone.now() >= self.starts_at

    def get_target_positions_display(self):
        from collaborators.models import Position

        labels = dict(Position.choices)
        return [labels.get(p, p) for p in self.target_positions]

    def get_target_roles_display(self):
        labels = dict(Role.choices)
        return [labels.get(r, r) for r in self.target_roles]


class RegistrationQuerySet(ScopedQuerySet):
    """A person sees their own registrations; staff and admins those of people in their subtree."""

    unit_path = "person__unit__path"
    owner = "person"

    def holding_seat(self):
        return self.filter(status__in=SEAT_STATUSES)


class Registration(models.Model):
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("session")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="training_registrations",
        verbose_name=_("person"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RegistrationStatus.choices, default=RegistrationStatus.REGISTERED
    )
    # When the person (re-)joined: the waitlist is promoted in this order.
    queued_at = models.DateTimeField(_("registered at"), default=timezone.now)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked by"),
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    feedback_at = models.DateTimeField(_("feedback given at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    history = HistoricalRecords(excluded_fields=["updated_at", "reminder_sent_at"])
    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["queued_at", "pk"]
        indexes = [
            models.Index(fields=["session", "status", "queued_at"], name="registration_queue_idx"),
            models.Index(fields=["person", "status"], name="registration_person_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="registration_one_per_person_and_session"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="registration_rating_1_to_5"
            ),
        ]

    def __str__(self):
        return f"{self.person} @ {self.session}"


def material_upload_to(instance, filename):
    # A random name: the uploaded name is kept only as data (original_name), never as a path.
    return f"trainings/{instance.session_id}/{uuid.uuid4().hex}"


class Material(models.Model):
    """A file or a link for the participants of a session."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="materials", verbose_name=_("session")
    )
    title = models.CharField(_("title"), max_length=255)
    file = models.FileField(
        _("file"),
        upload_to=material_upload_to,
        blank=True,
        max_length=500,
        validators=[UploadValidator(TRAINING_MATERIAL.code)],
    )
    # Filled from the upload check (core.uploads): the name as sent, and the kind the bytes are.
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True, verbose_name=_("content type"))
    size = models.PositiveIntegerField(_("size"), default=0)
    url = models.URLField(_("link"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(file="") | ~Q(url=""), name="material_file_or_link"),
        ]

    def __str__(self):
        return self.title


class CalendarFeedToken(models.Model):
    """The secret in a person's calendar feed URL; reset it to revoke old subscriptions."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_feed_token", verbose_name=_("person")
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token, verbose_name=_("token"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("calendar feed token")
        verbose_name_plural = _("calendar feed tokens")

    def __str__(self):
        return f"{self.user}"
