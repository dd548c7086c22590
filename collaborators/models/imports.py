"""Roster imports: an uploaded file, parsed and checked, waiting for the admin's confirmation.

Imported into ``collaborators.models`` (last line there), so Django sees the
model as part of the app. Foreign keys are by name so that this module does
not need ``models`` at import time.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from collaborators.access import ScopedQuerySet


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Waiting for confirmation")
    APPLIED = "applied", _("Imported")
    DISCARDED = "discarded", _("Discarded")


class ImportBatchQuerySet(ScopedQuerySet):
    """Staff and admins: the batches they uploaded and those imported into their subtree."""

    def for_staff(self, user, unit):
        return self.filter(Q(created_by=user) | Q(unit__path__startswith=unit.path))


class ImportBatch(models.Model):
    """One uploaded roster file: every row with its parsed values and its errors.

    ``rows`` is a list of ``{"line", "raw", "data", "errors"}``: the cells as
    read (text), the values to create, and the errors as codes with
    parameters, so the preview shows them in the reader's language. Nothing
    in the roster changes until the batch is confirmed; then all rows are
    created or none.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # The uploader's unit: the subtree the rows may go into (empty for a superuser without a unit).
    unit = models.ForeignKey(
        "collaborators.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("scope"),
    )
    filename = models.CharField(_("file"), max_length=255)
    rows = models.JSONField(_("rows"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED)
    applied_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.filename} ({self.created_at:%d/%m/%Y %H:%M})" if self.created_at else self.filename

    @property
    def row_count(self):
        return len(self.rows)

    @property
    def can_confirm(self):
        return self.status == ImportStatus.PREVIEWED and self.error_count == 0 and bool(self.rows)
