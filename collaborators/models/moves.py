"""Where a branch of the tree hung before it moved: what the monthly figures read to keep the past in place.

A unit's ``path`` says where it hangs today. When a unit ends and hands its sub-units to successors (a
merger or a split, an event with a date), the figures of the days up to its end still belong to the units
the sub-units hung under then: the summaries' tallies read these rows to count a report under the
ancestors it had on the day it was sent. A plain move is a correction of the tree and writes no row: the
branch's past moves with it. One row per moved unit and restructuring, never changed.

Imported into ``collaborators.models`` (last lines there). Foreign keys by name, like ``activity.py``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitMove(models.Model):
    """``unit`` (with its branch) hung under ``old_parent`` until the day before ``moved_on``."""

    unit = models.ForeignKey(
        "collaborators.Unit", on_delete=models.CASCADE, related_name="moves", verbose_name=_("unit")
    )
    old_parent = models.ForeignKey(
        "collaborators.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("previous parent")
    )
    new_parent = models.ForeignKey(
        "collaborators.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("new parent")
    )
    # The first day under the new parent.
    moved_on = models.DateField(_("moved on"))
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("moved by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("unit move")
        verbose_name_plural = _("unit moves")
        ordering = ["moved_on", "pk"]
        indexes = [models.Index(fields=["moved_on"], name="unit_move_day_idx")]

    def __str__(self):
        return f"{self.unit_id}: {self.old_parent_id} -> {self.new_parent_id} ({self.moved_on})"
