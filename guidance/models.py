"""Guidance notes (định hướng): official information sent to the network, their receipts,
the rumours and questions they answer, and the one-time alerts that ask for them."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from collaborators.access import ScopedQuerySet
from collaborators.models import Unit
from core.history import HistoricalRecords
from core.markup import render_html
from core.search import FoldedSearchQuerySet
from core.uploads import GUIDANCE_FILE, UploadValidator
from reports.models import FocusPolicy, Report, Rumour, Topic


class NoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class GuidanceNoteQuerySet(ScopedQuerySet, FoldedSearchQuerySet):
    """Collaborators: published notes targeted at their unit or a unit above it.

    Staff and admins: notes written in their subtree (drafts included), and published notes targeted
    into their subtree or at a unit above them (they receive those too). Acting on a note (editing,
    publishing, targeting): staff of the unit that wrote it or above.
    """

    unit_path = "author_unit__path"

    def for_staff(self, user, unit):
        ids = GuidanceNote.objects.filter(
            Q(author_unit__path__startswith=unit.path)
            | Q(status=NoteStatus.PUBLISHED, target_units__path__startswith=unit.path)
            | Q(status=NoteStatus.PUBLISHED, target_units__path__in=unit.ancestor_paths())
        ).values("pk")
        return self.filter(pk__in=ids)

    def for_collaborator(self, user):
        if user.unit is None:
            return self.none()
        ids = GuidanceNote.objects.filter(
            status=NoteStatus.PUBLISHED, target_units__path__in=user.unit.ancestor_paths()
        ).values("pk")
        return self.filter(pk__in=ids)


class GuidanceNote(models.Model):
    title = models.CharField(_("title"), max_length=200)
    # As typed: Markdown (older notes: a few HTML tags). Shown only through core.markup (``body_html``, the
    # ``markup`` template filter, ``render_text`` for messages), which sanitises it with nh3.
    body = models.TextField(_("body"))
    links = models.TextField(_("links"), blank=True, help_text=_("One web address per line."))
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("topic"))
    focus_policy = models.ForeignKey(
        FocusPolicy, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("focus policy")
    )
    rumours = models.ManyToManyField(
        Rumour, related_name="guidance_notes", blank=True, verbose_name=_("rumours it answers")
    )
    questions = models.ManyToManyField(
        Report, related_name="guidance_answers", blank=True, verbose_name=_("questions it answers")
    )
    target_units = models.ManyToManyField(Unit, related_name="guidance_notes", verbose_name=_("sent to"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="guidance_notes", verbose_name=_("author")
    )
    # Copied from the author when the note is written, so scope does not move with the person.
    author_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    status = models.CharField(
        _("status"), max_length=16, choices=NoteStatus.choices, default=NoteStatus.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    # A draft with a publish time is published by the periodic job when the time comes (guidance_publish_due).
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True, db_index=True)
    search_text = models.TextField(blank=True, editable=False, verbose_name=_("search text"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["search_text", "updated_at"])
    objects = GuidanceNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("guidance note")
        verbose_name_plural = _("guidance notes")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False), name="guidance_published_has_time"
            )
        ]

    def __str__(self):
        return self.title

    @property
    def link_list(self):
        return [line.strip() for line in self.links.splitlines() if line.strip()]

    @property
    def body_html(self) -> str:
        """The body as safe HTML (paragraphs, lists, links, emphasis)."""
        return render_html(self.body)


def note_file_path(instance, filename):
    # A random name: the uploaded name is kept only as data, never as a path.
    return f"guidance/{instance.note_id}/{uuid.uuid4().hex}"


class NoteAttachment(models.Model):
    """A file on a guidance note (an official document, a leaflet), checked from its bytes by core.uploads
    and served only through the scoped download view."""

    note = models.ForeignKey(
        GuidanceNote, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("guidance note")
    )
    file = models.FileField(
        upload_to=note_file_path,
        max_length=255,
        validators=[UploadValidator(GUIDANCE_FILE.code)],
        verbose_name=_("file"),
    )
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100, verbose_name=_("content type"))
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("file")
        verbose_name_plural = _("files")
        ordering = ["pk"]

    def __str__(self):
        return self.original_name


class Receipt(models.Model):
    """One person's reading of one note: read, then acknowledged with one tap."""

    note = models.ForeignKey(
        GuidanceNote, on_delete=models.CASCADE, related_name="receipts", verbose_name=_("guidance note")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guidance_receipts", verbose_name=_("person")
    )
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        constraints = [models.UniqueConstraint(fields=["note", "person"], name="guidance_receipt_unique")]

    def __str__(self):
        return f"{self.note_id}: {self.person_id}"


class RumourAlert(models.Model):
    """A rumour spreading fast: federation staff were asked once to issue guidance."""

    rumour = models.OneToOneField(
        Rumour, on_delete=models.CASCADE, related_name="guidance_alert", verbose_name=_("rumour")
    )
    sightings = models.PositiveIntegerField(_("sightings"))
    units = models.PositiveIntegerField(_("units"))
    created_at = models.DateTimeField(_("alerted"), auto_now_add=True)

    class Meta:
        verbose_name = _("rumour alert")
        verbose_name_plural = _("rumour alerts")

    def __str__(self):
        return str(self.rumour_id)


# --- requests for opinion (pulse) -------------------------------------------------------------------


class PulseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", pgettext_lazy("request status", "Open")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class PulseMode(models.TextChoices):
    ALL = "all", _("Every collaborator of the chosen units")
    SAMPLE = "sample", _("A sample balanced across units")


class PulseRequestQuerySet(ScopedQuerySet):
    """Staff and admins: requests written in their subtree (drafts included), and the opened requests
    that asked people in their subtree: a ward union chases its own collaborators' answers to a question
    the federation asked, though it may not change the request (``manageable_by`` stays the subtree of
    the author's unit).

    Collaborators: the opened requests they were asked in (a recipient row).
    """

    unit_path = "author_unit__path"

    def for_staff(self, user, unit):
        asked_here = PulseRecipient.objects.filter(unit__path__startswith=unit.path).values("pulse")
        return self.filter(
            Q(author_unit__path__startswith=unit.path) | (~Q(status=PulseStatus.DRAFT) & Q(pk__in=asked_here))
        )

    def for_collaborator(self, user):
        return self.exclude(status=PulseStatus.DRAFT).filter(
            pk__in=PulseRecipient.objects.filter(person=user).values("pulse")
        )


class PulseRequest(models.Model):
    """A question the federation or a union asks the network about a focus policy or topic, with a deadline.

    The people asked are fixed when it is opened (one PulseRecipient row each); each answers with a report.
    """

    question = models.CharField(_("question"), max_length=300)
    details = models.TextField(_("details"), blank=True)
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("topic"))
    focus_policy = models.ForeignKey(
        FocusPolicy, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("focus policy")
    )
    target_units = models.ManyToManyField(Unit, related_name="pulse_requests", verbose_name=_("asked units"))
    mode = models.CharField(_("who is asked"), max_length=16, choices=PulseMode.choices, default=PulseMode.ALL)
    per_unit = models.PositiveSmallIntegerField(_("collaborators per unit"), null=True, blank=True)
    # Seeds the sample: the same request always draws the same people from the same roster.
    seed = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("sampling seed"))
    deadline = models.DateTimeField(_("deadline"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pulse_requests", verbose_name=_("author")
    )
    author_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    status = models.CharField(
        _("status"), max_length=16, choices=PulseStatus.choices, default=PulseStatus.DRAFT, db_index=True
    )
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["seed"])
    objects = PulseRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("request for opinion")
        verbose_name_plural = _("requests for opinion")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(topic__isnull=False) | Q(focus_policy__isnull=False), name="pulse_has_subject"
            ),
            models.CheckConstraint(condition=Q(mode="all") | Q(per_unit__gte=1), name="pulse_sample_has_size"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "cancelled"]) | Q(opened_at__isnull=False),
                name="pulse_opened_has_time",
            ),
        ]

    def __str__(self):
        return self.question

    def accepts_answers(self, now=None) -> bool:
        """Open and before its deadline: the deadline closes it even before the job marks it closed."""
        return self.status == PulseStatus.OPEN and self.deadline > (now or timezone.now())


class PulseRecipientQuerySet(ScopedQuerySet):
    """Staff: the people asked in their subtree (by the unit they were asked in); collaborators: their own rows."""

    unit_path = "unit__path"
    owner = "person"


class PulseRecipient(models.Model):
    """One person asked in one request: fixed when the request opens; the report is their answer."""

    pulse = models.ForeignKey(
        PulseRequest, on_delete=models.CASCADE, related_name="recipients", verbose_name=_("request for opinion")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pulse_recipients", verbose_name=_("person")
    )
    # The person's unit when asked: the response rate per unit does not move when they change unit.
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    report = models.OneToOneField(
        Report, on_delete=models.SET_NULL, null=True, blank=True, related_name="pulse_answer", verbose_name=_("report")
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)

    objects = PulseRecipientQuerySet.as_manager()

    class Meta:
        verbose_name = _("person asked")
        verbose_name_plural = _("people asked")
        constraints = [models.UniqueConstraint(fields=["pulse", "person"], name="pulse_recipient_unique")]
        indexes = [models.Index(fields=["person", "answered_at"], name="pulse_recipient_person_idx")]

    def __str__(self):
        return f"{self.pulse_id}: {self.person_id}"
