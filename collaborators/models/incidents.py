"""Personal-data incidents: what happened, when it was found, how many people it touches, and whether the
authority was told within the 72 hours the law allows."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collaborators.access import is_admin
from core.history import HistoricalRecords

AUTHORITY_DEADLINE = timedelta(hours=72)


class IncidentQuerySet(models.QuerySet):
    """Incidents concern the whole organisation: administrators (and superusers) see and handle them all."""

    def visible_to(self, user):
        return self if is_admin(user) else self.none()

    def manageable_by(self, user):
        return self.visible_to(user)

    def open(self):
        return self.filter(authority_told_at__isnull=True)


class Incident(models.Model):
    what = models.TextField(_("what happened"))
    found_at = models.DateTimeField(_("found at"))
    people_affected = models.PositiveIntegerField(_("people affected (estimate)"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    authority_told_at = models.DateTimeField(_("authority told at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("administrators reminded at"), null=True, blank=True, editable=False)

    history = HistoricalRecords()
    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal-data incident")
        verbose_name_plural = _("personal-data incidents")
        ordering = ["-found_at", "-pk"]

    def __str__(self):
        return self.what[:80]

    @staticmethod
    def deadline_after():
        return AUTHORITY_DEADLINE

    @property
    def deadline(self):
        return self.found_at + AUTHORITY_DEADLINE

    def time_left(self, now=None):
        return self.deadline - (now or timezone.now())
