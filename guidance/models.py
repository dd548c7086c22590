"""Guidance notes (định hướng): official information sent to the network, their receipts,
the rumours and questions they answer, and the one-time alerts that ask for them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from collaborators.models import Role, Unit
from collaborators.search import FoldedSearchQuerySet
from reports.models import FocusPolicy, Report, Rumour, Topic


class NoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class GuidanceNoteQuerySet(FoldedSearchQuerySet):
    def visible_to(self, user):
        """Collaborators: published notes targeted at their unit or a unit above it.

        Staff and admins: notes written in their subtree (drafts included), and published notes
        targeted into their subtree or at a unit above them (they receive those too).
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        if user.unit_id is None:
            return self.none()
        above = Unit.objects.visible_to(user) if user.role == Role.COLLABORATOR else None
        if user.role in (Role.STAFF, Role.ADMIN):
            path = user.unit.path
            ancestors = user.unit.ancestor_paths()
            ids = self.filter(
                Q(author_unit__path__startswith=path)
                | Q(status=NoteStatus.PUBLISHED, target_units__path__startswith=path)
                | Q(status=NoteStatus.PUBLISHED, target_units__path__in=ancestors)
            ).values("pk")
            return self.filter(pk__in=ids)
        ids = self.filter(status=NoteStatus.PUBLISHED, target_units__in=above).values("pk")
        return self.filter(pk__in=ids)


class GuidanceNote(models.Model):
    title = models.CharField(_("title"), max_length=200)
    # Sanitised with nh3 in the service before every save: the template renders it as HTML.
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
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

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


class Receipt(models.Model):
    """One person's reading of one note: read, then acknowledged with one tap."""

    note = models.ForeignKey(GuidanceNote, on_delete=models.CASCADE, related_name="receipts")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guidance_receipts")
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

    rumour = models.OneToOneField(Rumour, on_delete=models.CASCADE, related_name="guidance_alert")
    sightings = models.PositiveIntegerField(_("sightings"))
    units = models.PositiveIntegerField(_("units"))
    created_at = models.DateTimeField(_("alerted"), auto_now_add=True)

    class Meta:
        verbose_name = _("rumour alert")
        verbose_name_plural = _("rumour alerts")

    def __str__(self):
        return str(self.rumour_id)
