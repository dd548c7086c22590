"""Reporting periods, monthly tallies kept current per report, and the periodic summaries."""

import re
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from collaborators.access import ScopedQuerySet
from collaborators.models import Unit
from core.history import HistoricalRecords
from core.periods import day_after, period_bounds, period_month
from summaries.columns import ALL_COLUMNS


class PeriodKind(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    AD_HOC = "ad_hoc", _("Ad hoc")


class ReportingPeriodQuerySet(models.QuerySet):
    def month_of(self, day: date) -> "ReportingPeriod":
        """The monthly period a day is reported in (collaborators/periods.py: the 15th to the 14th by default)."""
        start, end = period_bounds(period_month(day))
        period, _created = self.get_or_create(kind=PeriodKind.MONTHLY, starts_on=start, defaults={"ends_on": end})
        return period

    def week_of(self, day: date) -> "ReportingPeriod":
        start = day - timedelta(days=day.weekday())
        period, _created = self.get_or_create(
            kind=PeriodKind.WEEKLY, starts_on=start, defaults={"ends_on": start + timedelta(days=6)}
        )
        return period


class ReportingPeriod(models.Model):
    """A month (or week) the network reports on; its deadlines come from settings (SUMMARY_*_DAY)."""

    kind = models.CharField(_("kind"), max_length=16, choices=PeriodKind.choices, default=PeriodKind.MONTHLY)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))

    objects = ReportingPeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["-starts_on", "kind"]
        constraints = [models.UniqueConstraint(fields=["kind", "starts_on"], name="period_kind_start_unique")]

    def __str__(self):
        if self.kind == PeriodKind.MONTHLY:
            return _("Month %(month)02d/%(year)d") % {"month": self.month.month, "year": self.month.year}
        return _("%(start)s – %(end)s") % {
            "start": self.starts_on.strftime("%d/%m/%Y"),
            "end": self.ends_on.strftime("%d/%m/%Y"),
        }

    @property
    def month(self) -> date:
        """The month the period is named after (for a monthly period, the key of the tallies)."""
        return period_month(self.ends_on)

    def _due(self, setting: str) -> date:
        """The first such day of the month after the period has ended."""
        return day_after(self.ends_on, getattr(settings, setting))

    @property
    def collaborators_due_on(self) -> date:
        """Collaborators report by this day (monthly periods; a week is due on its last day)."""
        if self.kind != PeriodKind.MONTHLY:
            return self.ends_on
        return self._due("SUMMARY_COLLABORATOR_DUE_DAY")

    @property
    def reviews_due_on(self) -> date:
        if self.kind != PeriodKind.MONTHLY:
            return self.ends_on
        return self._due("SUMMARY_REVIEW_DUE_DAY")

    @property
    def summary_due_on(self) -> date:
        if self.kind != PeriodKind.MONTHLY:
            return self.ends_on + timedelta(days=1)
        return self._due("SUMMARY_CITY_DUE_DAY")

    def previous(self) -> "ReportingPeriod":
        if self.kind == PeriodKind.WEEKLY:
            return ReportingPeriod.objects.week_of(self.starts_on - timedelta(days=7))
        return ReportingPeriod.objects.month_of(self.starts_on - timedelta(days=1))

    def label(self) -> str:
        """The period with its days, e.g. "Month 11/2026 (15/10/2026 – 14/11/2026)"."""
        return _("%(name)s (%(start)s – %(end)s)") % {
            "name": self,
            "start": self.starts_on.strftime("%d/%m/%Y"),
            "end": self.ends_on.strftime("%d/%m/%Y"),
        }


class ComplianceReminder(models.Model):
    """One reminder per person per period: the unique row is the claim."""

    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.CASCADE, related_name="+", verbose_name=_("reporting period")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("reporting reminder")
        verbose_name_plural = _("reporting reminders")
        constraints = [models.UniqueConstraint(fields=["period", "person"], name="compliance_reminder_once")]

    def __str__(self):
        return f"{self.person_id} {self.period_id}"


def _count_fields():
    # Signed: a difference is written as a row of deltas, which may be negative before it merges.
    return {name: models.IntegerField(_("count"), default=0) for name in ALL_COLUMNS}


class UnitMonthTally(models.Model):
    """Counts of one month's reports under one unit (its whole subtree), per topic and focus policy.

    Kept for units down to SUMMARY_ROLLUP_DEPTH (the city and the unions under it) and changed by
    each report's save, in the same transaction (see services.reports_tally). topic_id and policy_id
    are 0 for "none" so the unique key has no NULLs.
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    month = models.DateField(verbose_name=_("month"))
    topic_id = models.PositiveIntegerField(default=0, verbose_name=_("topic number"))
    policy_id = models.PositiveIntegerField(default=0, verbose_name=_("focus policy number"))
    locals().update(_count_fields())

    class Meta:
        verbose_name = _("monthly unit tally")
        verbose_name_plural = _("monthly unit tallies")
        constraints = [
            models.UniqueConstraint(fields=["unit", "month", "topic_id", "policy_id"], name="unit_month_tally_key")
        ]

    def __str__(self):
        return f"{self.unit_id} {self.month:%Y-%m} {self.topic_id}/{self.policy_id}"


class RumourMonthTally(models.Model):
    """Sightings (linked reports) of each rumour per month under one unit."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    month = models.DateField(verbose_name=_("month"))
    rumour_id = models.PositiveIntegerField(verbose_name=_("rumour number"))
    sightings = models.IntegerField(default=0, verbose_name=_("sightings"))

    class Meta:
        verbose_name = _("monthly rumour tally")
        verbose_name_plural = _("monthly rumour tallies")
        constraints = [models.UniqueConstraint(fields=["unit", "month", "rumour_id"], name="rumour_month_tally_key")]

    def __str__(self):
        return f"{self.unit_id} {self.month:%Y-%m} {self.rumour_id}"


class ReportTally(models.Model):
    """What a report was last counted as, so a change is applied as a difference (no recount)."""

    report_id = models.BigIntegerField(primary_key=True, verbose_name=_("report number"))
    counted = models.JSONField(default=dict, verbose_name=_("counted as"))

    class Meta:
        verbose_name = _("report tally")
        verbose_name_plural = _("report tallies")

    def __str__(self):
        return str(self.report_id)


# The sections of a summary's text (``Summary.sections``), in the order of the federation's monthly report.
# They live with the model because the services, the edit form, the page and the documents all read them.
SECTION_KEYS = ["mood", "opinion", "hot_spots", "rumours", "activity", "outlook", "recommendations"]


def section_headings() -> dict:
    """The headings of the sections, in the language of the moment (called when a page or document is made)."""
    return {
        "mood": gettext("General mood and thinking"),
        "opinion": gettext("Opinion on events, policies and guidelines"),
        "hot_spots": gettext("Pressing issues and hot spots"),
        "rumours": gettext("Rumours and false or harmful information"),
        "activity": gettext("Training and network activity"),
        "outlook": gettext("Outlook"),
        "recommendations": gettext("Recommendations and proposals"),
    }


# The numbering of the sections on the summary's page and in its Word file (Decree 30/2020: I, II, III…).
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


def numbered_sections(texts: dict) -> list[dict]:
    """The sections in order with their number and heading: ``{"key", "number", "heading", "text"}``."""
    headings = section_headings()
    return [
        {"key": key, "number": ROMAN[index], "heading": headings[key], "text": texts.get(key, "")}
        for index, key in enumerate(SECTION_KEYS)
    ]


def partial_until(figures: dict):
    """The day a summary's figures run to when it was compiled before its period closed, else None."""
    value = (figures.get("period") or {}).get("partial_until")
    return date.fromisoformat(value) if value else None


# A recipient line of ``Summary.recipients`` that carries an e-mail address: "Name <address>".
ADDRESS = re.compile(r"<\s*([^<>\s]+@[^<>\s]+)\s*>\s*$")


class SummaryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be compiled")
    COMPILING = "compiling", _("Compiling")
    COMPILED = "compiled", _("Compiled")
    EDITED = "edited", _("Edited")
    APPROVED = "approved", _("Approved")
    ISSUED = "issued", _("Issued")
    FAILED = "failed", _("Compilation failed")


class SummaryQuerySet(ScopedQuerySet):
    """Staff and admins: summaries of their unit's subtree. Collaborators: none."""

    unit_path = "scope__path"


def summary_file_path(instance, filename):
    return f"summaries/{instance.scope_id}/{instance.period.month:%Y-%m}/{filename}"


class Summary(models.Model):
    """A periodic summary of one unit's subtree: figures compiled from the data, sections staff edit.

    One per (scope, kind, period, version), enforced by the database; a correction of an issued
    summary is the next version. An issued summary does not change.
    """

    scope = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    kind = models.CharField(_("kind"), max_length=16, choices=PeriodKind.choices)
    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.PROTECT, related_name="summaries", verbose_name=_("reporting period")
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    corrects = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="correction", verbose_name=_("corrects")
    )
    status = models.CharField(_("status"), max_length=16, choices=SummaryStatus.choices, default=SummaryStatus.PENDING)
    statistics = models.JSONField(_("statistics"), default=dict, blank=True)
    sections = models.JSONField(_("sections"), default=dict, blank=True)
    edited_sections = models.JSONField(default=list, blank=True, editable=False, verbose_name=_("edited sections"))
    number = models.CharField(_("number"), max_length=64, blank=True)
    addressed_to = models.TextField(_("addressed to"), blank=True, help_text=_("One body per line."))
    recipients = models.TextField(
        _("recipients"),
        blank=True,
        help_text=_('One per line: a name, or a name and an e-mail address, e.g. "Ban Tuyên giáo <btg@example.vn>".'),
    )
    signer_title = models.CharField(_("signer's title"), max_length=128, blank=True)
    signer_name = models.CharField(_("signer's name"), max_length=128, blank=True)
    progress = models.PositiveSmallIntegerField(default=0, verbose_name=_("progress"))
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("claimed until"))
    attempts = models.PositiveSmallIntegerField(default=0, editable=False, verbose_name=_("attempts"))
    last_error = models.CharField(max_length=500, blank=True, editable=False, verbose_name=_("last error"))
    compiled_at = models.DateTimeField(_("compiled"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    docx = models.FileField(upload_to=summary_file_path, max_length=255, blank=True, verbose_name=_("Word document"))
    xlsx = models.FileField(upload_to=summary_file_path, max_length=255, blank=True, verbose_name=_("spreadsheet"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    history = HistoricalRecords(excluded_fields=["progress", "claimed_until", "attempts", "statistics"])
    objects = SummaryQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("periodic report", "summary")
        verbose_name_plural = pgettext_lazy("periodic report", "summaries")
        ordering = ["-period__starts_on", "kind", "scope__path", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "kind", "period", "version"], name="summary_one_per_period"),
            models.CheckConstraint(
                condition=Q(status="issued", issued_at__isnull=False) | ~Q(status="issued"),
                name="summary_issued_has_date",
            ),
        ]

    def __str__(self):
        return _("%(kind)s summary %(period)s — %(unit)s") % {
            "kind": self.get_kind_display(),
            "period": self.period,
            "unit": self.scope.name,
        }

    @property
    def is_busy(self):
        return self.status in (SummaryStatus.PENDING, SummaryStatus.COMPILING)
