"""Facts about a person written by the apps that know them, read by the roster and the summaries.

"Reported in a period" and "trained in the last 12 months" are roster filters, but reports and trainings
sit above this app. Instead of figures copied onto the profile (which each writer kept its own way), the
apps above write facts here through ``collaborators.services.people``, once, when the event happens; the
roster, the dashboard, compliance and the reminders all read the same rows.

Imported into ``collaborators.models`` (last lines there), so Django sees the models as part of the app.
Foreign keys are by name so that this module does not need ``models`` at import time.
"""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _


class ReportingActivity(models.Model):
    """A person reported in a reporting period: one row per person and period, never changed.

    Written by the reports service when the person sends a report for the first time (a "nothing new"
    note included); sending a returned report again writes nothing, so a report belongs to the period
    of its first sending everywhere (the dashboard's tallies count it there too).
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reporting_activity", verbose_name=_("person")
    )
    # The reporting period, named by its month (core.periods: the 15th of the month before to the 14th).
    month = models.DateField(_("reporting period"))
    first_reported_on = models.DateField(_("first report of the period"))

    class Meta:
        verbose_name = _("reporting activity")
        verbose_name_plural = _("reporting activity")
        constraints = [models.UniqueConstraint(fields=["month", "person"], name="reporting_activity_once")]

    def __str__(self):
        return f"{self.person_id} {self.month:%Y-%m}"

    @classmethod
    def reported_in(cls, month, person_field: str = "pk") -> Exists:
        """On a queryset of people: whether the person reported in the period named by ``month``."""
        return Exists(cls.objects.filter(month=month, person=OuterRef(person_field)))


class TrainingAttendance(models.Model):
    """A person attended a training session: written when attendance is taken, removed when it is undone.

    ``session_id`` names the trainings app's session (a higher app: no foreign key); it is empty for a
    training recorded before sessions were kept in the application.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_attendance", verbose_name=_("person")
    )
    session_id = models.PositiveBigIntegerField(null=True, blank=True, verbose_name=_("training session number"))
    attended_on = models.DateField(_("attended on"))

    class Meta:
        verbose_name = _("training attendance")
        verbose_name_plural = _("training attendance")
        constraints = [models.UniqueConstraint(fields=["person", "session_id"], name="training_attendance_once")]

    def __str__(self):
        return f"{self.person_id} {self.attended_on:%Y-%m-%d}"

    @classmethod
    def trained_since(cls, day, person_field: str = "pk") -> Exists:
        """On a queryset of people: whether the person attended a training on or after ``day``."""
        return Exists(cls.objects.filter(attended_on__gte=day, person=OuterRef(person_field)))
