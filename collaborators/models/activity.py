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

from collaborators.access import ScopedQuerySet


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


# Days from observation to sending, in the histogram columns delay_0 … delay_14 and delay_15p ("15 or more").
DELAY_DAYS = 15
DELAY_COLUMNS = [f"delay_{d}" for d in range(DELAY_DAYS)] + [f"delay_{DELAY_DAYS}p"]
# What a person's reports of a period count for, as kept by the summaries' tallies; ``answered`` is
# written by the requests for opinion.
QUALITY_REPORT_COLUMNS = ["sent", "accepted", "returned", "rejected", "with_delay", *DELAY_COLUMNS]
QUALITY_COLUMNS = [*QUALITY_REPORT_COLUMNS, "answered"]


def median_delay(counts) -> tuple[int | None, bool]:
    """The median delay in days from the delay columns: (days, is_at_least) or (None, False)."""
    total = sum(counts.get(c, 0) or 0 for c in DELAY_COLUMNS)
    if not total:
        return None, False
    seen = 0
    for index, column in enumerate(DELAY_COLUMNS):
        seen += counts.get(column, 0) or 0
        if seen * 2 >= total:
            return index, column.endswith("p")
    return DELAY_DAYS, True


class QualityTallyQuerySet(ScopedQuerySet):
    # Staff see the rows of reports (and answers) filed in their subtree, like the reports themselves.
    unit_path = "unit__path"
    owner = "person"


def _quality_fields():
    # Signed: a difference is added as a row of deltas, which may be negative before it merges.
    return {name: models.IntegerField(_("count"), default=0) for name in QUALITY_COLUMNS}


class QualityTally(models.Model):
    """A collaborator's figures in one reporting period at one unit: the quality pages' counters.

    One row per (person, unit of the report or of the request, period month). The report columns are
    kept by the summaries' tallies in the transaction that changes a report (a report counts in the
    period of its first sending, at the unit it is filed at now: an open report moved to a successor
    unit moves its count with it); ``answered`` is added once when an answer to a request for opinion
    is sent. Reading a period for a subtree reads these rows, never the reports.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    unit = models.ForeignKey("collaborators.Unit", on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    month = models.DateField(_("reporting period"))
    locals().update(_quality_fields())

    objects = QualityTallyQuerySet.as_manager()

    class Meta:
        verbose_name = _("quality figures")
        verbose_name_plural = _("quality figures")
        constraints = [models.UniqueConstraint(fields=["person", "unit", "month"], name="quality_tally_key")]
        indexes = [models.Index(fields=["month", "unit"], name="quality_tally_month_idx")]

    def __str__(self):
        return f"{self.person_id} {self.unit_id} {self.month:%Y-%m}"
