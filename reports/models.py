"""Opinion reports: topics, focus policies, reports and their events, attachments, rumours.

A report's ``kind`` (what was heard), ``status`` (where it is in the review
workflow) and ``verification`` (whether a rumour is true) are three separate
fields that are never merged: a rumour can be
submitted, accepted and still false.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from collaborators.access import ScopedQuerySet
from collaborators.models import Unit
from core.constraints import CheckConstraint
from core.history import HistoricalRecords
from core.search import FoldedSearchMixin, FoldedSearchQuerySet


class Topic(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class FocusPolicy(models.Model):
    """A named policy or event whose reception is tracked over time."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    topic = models.ForeignKey(Topic, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("topic"))
    started_on = models.DateField(_("tracked from"), null=True, blank=True)
    ended_on = models.DateField(_("tracked until"), null=True, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("focus policy")
        verbose_name_plural = _("focus policies")
        ordering = ["-is_active", "name"]

    def __str__(self):
        return self.name


class ReportKind(models.TextChoices):
    OPINION = "opinion", _("Opinion")
    RUMOUR = "rumour", _("Rumour")
    HOT_SPOT = "hot_spot", _("Hot spot")
    QUESTION = "question", _("Question")
    PROPOSAL = "proposal", _("Proposal")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for more information")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    ARCHIVED = "archived", _("Archived")


class Verification(models.TextChoices):
    UNVERIFIED = "unverified", _("Unverified")
    TRUE = "true", _("True")
    FALSE = "false", _("False")
    CORRECTED = "corrected", _("Corrected / refuted")


class Direction(models.TextChoices):
    POSITIVE = "positive", _("Positive, approving")
    NEUTRAL = "neutral", _("Neutral, uneasy")
    NEGATIVE = "negative", _("Negative, opposed")
    MIXED = "mixed", _("Mixed")


class Breadth(models.TextChoices):
    OVERWHELMING = "overwhelming", _("Overwhelming majority")
    MAJORITY = "majority", _("Majority")
    MANY = "many", _("Many opinions")
    SOME = "some", _("Some opinions")
    FEW = "few", _("Few opinions")


class Concern(models.TextChoices):
    HIGH = "high", _("Very concerned")
    MEDIUM = "medium", _("Concerned")
    LOW = "low", _("Little concerned")


class Spread(models.TextChoices):
    UNIT = "unit", _("Within the unit or enterprise")
    WARD = "ward", _("Commune or ward")
    INDUSTRIAL_PARK = "industrial_park", _("Industrial park")
    CITY = "city", _("City-wide")
    NATIONAL = "national", _("Nationwide")
    ONLINE = "online", _("On social media")


class Source(models.TextChoices):
    DIRECT = "direct", _("Direct conversation or observation")
    MEETING = "meeting", _("Meeting or dialogue")
    SOCIAL_MEDIA = "social_media", _("Social media")
    PRESS = "press", _("Press")
    HEARSAY = "hearsay", _("Hearsay")


class AlertLevel(models.TextChoices):
    NORMAL = "normal", _("Normal")
    WATCH = "watch", _("To watch")
    COMPLEX = "complex", _("Complex")
    HOT_SPOT = "hot_spot", _("Hot spot")


ALERT_RANK = {AlertLevel.NORMAL: 0, AlertLevel.WATCH: 1, AlertLevel.COMPLEX: 2, AlertLevel.HOT_SPOT: 3}


class ReportQuerySet(ScopedQuerySet, FoldedSearchQuerySet):
    """Collaborators see their own reports (drafts included); staff and admins the sent reports of their subtree."""

    owner = "author"

    def for_superuser(self, user):
        return self.exclude(status=ReportStatus.DRAFT)

    def for_staff(self, user, unit):
        return self.in_subtree(unit.path).exclude(status=ReportStatus.DRAFT)


class Report(FoldedSearchMixin, models.Model):
    SEARCH_FIELDS = ("title", "content", "place", "group_concerned")
    # The fields its author fills in (the report form, ``report_save``, the API; read-only in the admin);
    # everything else is set by the workflow.
    AUTHOR_FIELDS = (
        "kind",
        "topic",
        "focus_policy",
        "title",
        "content",
        "direction",
        "breadth",
        "concern",
        "spread",
        "source",
        "group_concerned",
        "place",
        "observed_on",
        "people_involved",
        "urgent",
        "rumour",
    )

    # Empty once the report is anonymised at the end of its retention (``anonymised_at``). No index of its
    # own: report_author_idx (author, status) starts with it, as report_unit_status_idx does with the unit,
    # and the queue's indexes with the status; every index is one more write of each report sent or reviewed.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="reports",
        verbose_name=_("author"),
        db_index=False,
    )
    # Copied from the author at submission, so history does not move when a person changes unit.
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="reports", verbose_name=_("unit"), db_index=False
    )
    nothing_new = models.BooleanField(_("nothing new this period"), default=False)
    kind = models.CharField(_("kind"), max_length=16, choices=ReportKind.choices, blank=True)
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("topic"))
    focus_policy = models.ForeignKey(
        FocusPolicy, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("focus policy")
    )
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"), blank=True)
    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices, blank=True)
    breadth = models.CharField(_("breadth"), max_length=16, choices=Breadth.choices, blank=True)
    concern = models.CharField(_("concern"), max_length=16, choices=Concern.choices, blank=True)
    spread = models.CharField(_("spread"), max_length=16, choices=Spread.choices, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, blank=True)
    group_concerned = models.CharField(_("group concerned"), max_length=255, blank=True)
    place = models.CharField(_("place"), max_length=255, blank=True)
    observed_on = models.DateField(_("date observed"), null=True, blank=True)
    people_involved = models.PositiveIntegerField(_("people involved (estimate)"), null=True, blank=True)
    urgent = models.BooleanField(_("rapid report (urgent)"), default=False)

    status = models.CharField(_("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    verification = models.CharField(_("verification"), max_length=16, choices=Verification.choices, blank=True)
    alert_level = models.CharField(
        _("alert level"), max_length=16, choices=AlertLevel.choices, default=AlertLevel.NORMAL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_reports",
        verbose_name=_("reviewer"),
    )
    escalated_to = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("escalated to")
    )
    rumour = models.ForeignKey(
        "Rumour",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sightings",
        verbose_name=_("tracked rumour"),
    )
    # The form's one-time token: a resent or double-clicked form finds the same report.
    client_token = models.UUIDField(default=uuid.uuid4, editable=False, verbose_name=_("client token"))
    search_text = models.TextField(blank=True, editable=False, verbose_name=_("search text"))

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    first_submitted_at = models.DateTimeField(_("first submitted"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("overdue notified at")
    )
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["search_text", "updated_at"])
    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["client_token"], name="report_client_token_unique"),
            CheckConstraint(
                condition=Q(nothing_new=True) | ~Q(kind="") | Q(status="draft"),
                name="report_kind_required_unless_nothing_new",
            ),
            CheckConstraint(
                condition=Q(verification="") | Q(kind="rumour"), name="report_verification_only_for_rumours"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "urgent", "submitted_at"], name="report_queue_idx"),
            models.Index(fields=["unit", "status", "submitted_at"], name="report_unit_status_idx"),
            models.Index(fields=["author", "status"], name="report_author_idx"),
            models.Index(fields=["submitted_at"], name="report_submitted_idx"),
            # Summaries: catching up on changed reports, and a unit's reports by month of first submission.
            models.Index(fields=["updated_at"], name="report_updated_idx"),
            models.Index(fields=["unit", "first_submitted_at"], name="report_unit_month_idx"),
            models.Index(fields=["first_submitted_at"], name="report_first_sent_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_editable_by_author(self):
        return self.status in (ReportStatus.DRAFT, ReportStatus.RETURNED)


class EventKind(models.TextChoices):
    CREATED = "created", _("Draft created")
    SUBMITTED = "submitted", _("Submitted")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    RETURNED = "returned", _("Returned")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    ALERT = "alert", _("Alert level set")
    ASSIGNED = "assigned", _("Assigned")
    ESCALATED = "escalated", _("Escalated")
    COMMENT = "comment", _("Comment")
    RUMOUR_LINKED = "rumour_linked", _("Linked to a rumour")
    VERIFIED = "verified", _("Verification set")
    ARCHIVED = "archived", _("Archived")
    OVERDUE = "overdue", _("Flagged overdue")


class ReportEvent(models.Model):
    """One step in a report's timeline: who did what, when, with what note."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events", verbose_name=_("report"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    kind = models.CharField(_("event"), max_length=16, choices=EventKind.choices)
    note = models.TextField(_("note"), blank=True)
    # Internal comments are for staff only; the author sees the rest of the timeline.
    internal = models.BooleanField(_("internal"), default=False)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report event")
        verbose_name_plural = _("report events")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.report_id}: {self.get_kind_display()}"


def attachment_path(instance, filename):
    # A random name: the uploaded name is kept only as data, never as a path.
    return f"attachments/{instance.report_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("report"))
    file = models.FileField(upload_to=attachment_path, max_length=255, verbose_name=_("file"))
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100, verbose_name=_("content type"))
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self):
        return self.original_name


class RumourQuerySet(ScopedQuerySet, FoldedSearchQuerySet):
    """Staff: rumours listed for or sighted in their subtree. Collaborators: rumours listed for their
    unit or a unit above it.

    Acting on a rumour (its verdict, merging, listing it) changes what other units see, so
    ``manageable_by`` keeps the rumours whose listed units and sightings all lie inside the actor's
    subtree: a ward union's staff handle a rumour heard only in their ward, the federation one heard
    across the city.
    """

    def for_staff(self, user, unit):
        # Sighted in the subtree: read from the sightings' counters (one row per rumour and unit), not
        # from the reports (a join over every sighting; the counters leave out drafts, as staff do).
        # Asked per rumour (EXISTS), not as a list of every rumour sighted in the subtree: for a wide
        # scope each rumour stops at its first counter row; for a narrow one PostgreSQL reads the
        # subtree's units and their counters by ``rumour_unit_count_sighted``. The list form read all
        # the counters (~80,000 rows at 1,000,000 reports) on every view, twice per page.
        path = unit.path
        listed = Rumour.listed_units.through.objects.filter(rumour_id=OuterRef("pk"), unit__path__startswith=path)
        sighted = RumourUnitCount.objects.filter(rumour_id=OuterRef("pk"), unit__path__startswith=path, sightings__gt=0)
        return self.filter(Exists(listed) | Exists(sighted))

    def for_collaborator(self, user):
        if user.unit is None:
            return self.none()
        ids = Rumour.objects.filter(listed_units__path__in=user.unit.ancestor_paths()).values("pk")
        return self.filter(pk__in=ids)

    def managed_by_staff(self, user, unit):
        path = unit.path
        outside = Rumour.listed_units.through.objects.exclude(unit__path__startswith=path).values("rumour_id")
        sighted_outside = Report.objects.filter(rumour__isnull=False).exclude(unit__path__startswith=path)
        return self.for_staff(user, unit).exclude(pk__in=outside).exclude(pk__in=sighted_outside.values("rumour_id"))


class Rumour(FoldedSearchMixin, models.Model):
    """A rumour tracked across reports: each linked report is a sighting."""

    SEARCH_FIELDS = ("title", "summary")

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    topic = models.ForeignKey(Topic, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("topic"))
    verification = models.CharField(
        _("verification"), max_length=16, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    resolution_note = models.TextField(_("resolution note"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    # Units whose collaborators may say "I heard this too".
    listed_units = models.ManyToManyField(Unit, related_name="listed_rumours", blank=True, verbose_name=_("listed for"))
    first_seen_at = models.DateTimeField(_("first seen"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    sighting_count = models.PositiveIntegerField(_("sightings"), default=0)
    search_text = models.TextField(blank=True, editable=False, verbose_name=_("search text"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Two unions tracked the same rumour: this copy's sightings, listed units and guidance links went to
    # ``merged_into`` (rumour_merge); it stays readable with its own verdict history, and is listed no more.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_rumours",
        verbose_name=_("merged into"),
    )

    history = HistoricalRecords(excluded_fields=["search_text"])
    objects = RumourQuerySet.as_manager()

    class Meta:
        verbose_name = _("rumour")
        verbose_name_plural = _("rumours")
        ordering = ["-last_seen_at", "-pk"]
        constraints = [
            CheckConstraint(
                condition=Q(verification="unverified") | ~Q(resolution_note=""),
                name="rumour_verification_needs_note",
            )
        ]

    def __str__(self):
        return self.title


class UnitReportCount(models.Model):
    """How many sent reports (not drafts) of each status were filed in one unit, its own only.

    Kept by database triggers on ``reports_report`` (reports/migrations/0006_unit_report_counts.py), so
    every write path counts alike: the services, bulk updates, unit merges, the admin, SQL loads. A
    subtree's figure is the sum of its units' rows (the reports' unit never changes when a branch moves),
    which costs the same whatever the number of reports: the queue's status tabs and page count and the
    units pages read these instead of counting the reports.
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    status = models.CharField(max_length=16, choices=ReportStatus.choices, verbose_name=_("status"))
    reports = models.IntegerField(default=0, verbose_name=_("reports"))

    class Meta:
        verbose_name = _("report count of a unit")
        verbose_name_plural = _("report counts of units")
        constraints = [models.UniqueConstraint(fields=["unit", "status"], name="unit_report_count_once")]

    def __str__(self):
        return f"{self.unit_id} {self.status}: {self.reports}"


class RumourUnitCount(models.Model):
    """How many sent reports (not drafts) filed in one unit are sightings of one rumour (same triggers)."""

    rumour = models.ForeignKey(Rumour, on_delete=models.CASCADE, related_name="+", verbose_name=_("rumour"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    sightings = models.IntegerField(default=0, verbose_name=_("sightings"))

    class Meta:
        verbose_name = _("rumour count of a unit")
        verbose_name_plural = _("rumour counts of units")
        constraints = [models.UniqueConstraint(fields=["rumour", "unit"], name="rumour_unit_count_once")]
        # The rumours sighted in a subtree: its units' counters without visiting the rows (staff's scope).
        indexes = [
            models.Index(fields=["unit", "rumour"], condition=Q(sightings__gt=0), name="rumour_unit_count_sighted")
        ]

    def __str__(self):
        return f"{self.rumour_id} {self.unit_id}: {self.sightings}"


def export_job_path(instance, filename):
    """Named by migration 0011, which created the reports' export jobs before every export job became
    ``collaborators.ExportJob`` (migration 0012 moved them)."""
    return f"exports/{instance.requested_by_id}/{filename}"
