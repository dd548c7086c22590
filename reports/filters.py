"""The review queue's filters (django-filter), shared by the queue page and its exports."""

from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collaborators.filters import UnitFilter, unit_picker
from collaborators.models import Unit
from core.forms import DateInput, MonthInput
from core.ids import MAX_ID
from core.periods import period_bounds
from reports.models import AlertLevel, Direction, FocusPolicy, ReportKind, ReportStatus, Rumour, Topic, Verification

YES_NO = [("", "---------"), ("true", _("Yes")), ("false", _("No"))]
# Staff never see drafts: the status list leaves them out.
REVIEW_STATUSES = [(value, label) for value, label in ReportStatus.choices if value != ReportStatus.DRAFT]


# Dates a filter accepts: the first and last days of the calendar would overflow when turned into the
# moments around them (the start of the day in UTC, the day after).
DATE_RANGE = [MinValueValidator(date(2000, 1, 1)), MaxValueValidator(date(2099, 12, 31))]


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def overdue_cutoff():
    """Submitted before this moment and still waiting: overdue."""
    return timezone.now() - timedelta(hours=settings.REPORT_OVERDUE_HOURS)


class ReportFilter(django_filters.FilterSet):
    """Filters of the review queue. The unit choices are narrowed to the viewer's scope;
    the rows are already scoped by the queryset the caller passes in."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=REVIEW_STATUSES, empty_label=_("All statuses"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ReportKind.choices)
    topic = django_filters.ModelChoiceFilter(label=_("Topic"), queryset=Topic.objects.all())
    focus_policy = django_filters.ModelChoiceFilter(label=_("Focus policy"), queryset=FocusPolicy.objects.all())
    direction = django_filters.ChoiceFilter(label=_("Direction"), choices=Direction.choices)
    alert_level = django_filters.ChoiceFilter(label=_("Alert level"), choices=AlertLevel.choices)
    urgent = django_filters.BooleanFilter(label=_("Rapid report"), widget=forms.Select(choices=YES_NO))
    unit = UnitFilter(
        label=_("Unit (with the units under it)"),
        queryset=Unit.objects.none(),
        method="filter_unit",
        widget=unit_picker(search=True),
    )
    month = django_filters.CharFilter(
        label=_("Month"),
        method="filter_month",
        widget=MonthInput,
        # A year of this century in ASCII digits: a year such as 0000 or 9999 has no period around it.
        validators=[RegexValidator(r"^20[0-9]{2}-(0[1-9]|1[0-2])$", _("Enter a month as YYYY-MM."))],
    )
    submitted_after = django_filters.DateFilter(
        label=_("Sent from"), method="filter_submitted_after", widget=DateInput, validators=DATE_RANGE
    )
    submitted_before = django_filters.DateFilter(
        label=_("Sent until"), method="filter_submitted_before", widget=DateInput, validators=DATE_RANGE
    )
    overdue = django_filters.BooleanFilter(
        label=_("Waiting too long"), method="filter_overdue", widget=forms.Select(choices=YES_NO)
    )
    mine = django_filters.BooleanFilter(label=_("Assigned to me"), method="filter_mine", widget=forms.CheckboxInput)
    # Set by the dashboard's links (hidden on the queue's form): hot spots, one rumour's sightings,
    # and observations only (without the "nothing new" notes).
    hot = django_filters.BooleanFilter(method="filter_hot", widget=forms.HiddenInput)
    rumour = django_filters.NumberFilter(
        field_name="rumour_id", widget=forms.HiddenInput, min_value=1, max_value=MAX_ID, decimal_places=0
    )
    nothing_new = django_filters.BooleanFilter(widget=forms.HiddenInput)
    # Set by the quality pages' links: one author's reports, the reports filed at one unit (not the
    # units under it), and the last month of a range starting at ``month``.
    author = django_filters.NumberFilter(
        field_name="author_id", widget=forms.HiddenInput, min_value=1, max_value=MAX_ID, decimal_places=0
    )
    exact_unit = django_filters.NumberFilter(
        field_name="unit_id", widget=forms.HiddenInput, min_value=1, max_value=MAX_ID, decimal_places=0
    )
    month_to = django_filters.CharFilter(
        label=_("To month"),
        method="filter_month_to",
        widget=forms.HiddenInput,
        validators=[RegexValidator(r"^20[0-9]{2}-(0[1-9]|1[0-2])$", _("Enter a month as YYYY-MM."))],
    )

    def __init__(self, data=None, *args, user, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.user = user
        self.filters["unit"].narrow_to(user, data)
        self.filters["topic"].queryset = Topic.objects.all()
        self.filters["focus_policy"].queryset = FocusPolicy.objects.all()

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_unit(self, queryset, name, unit):
        return queryset.filter(unit__path__startswith=unit.path)

    def filter_month_to(self, queryset, name, value):
        year, month = (int(part) for part in value.split("-"))
        last = period_bounds(datetime(year, month, 1).date())[1]
        return queryset.filter(first_submitted_at__lt=_start_of(last + timedelta(days=1)))

    def filter_month(self, queryset, name, value):
        year, month = (int(part) for part in value.split("-"))
        first, last = period_bounds(datetime(year, month, 1).date())
        # A report belongs to the reporting month in which it was first sent (as in the dashboards and
        # summaries): with the default periods, "11/2026" is 15/10 to 14/11 (collaborators/periods.py).
        # With ``month_to``, the months from this one to that one.
        if self.form.cleaned_data.get("month_to"):
            return queryset.filter(first_submitted_at__gte=_start_of(first))
        following = last + timedelta(days=1)
        return queryset.filter(first_submitted_at__gte=_start_of(first), first_submitted_at__lt=_start_of(following))

    def filter_submitted_after(self, queryset, name, value):
        return queryset.filter(submitted_at__gte=_start_of(value))

    def filter_submitted_before(self, queryset, name, value):
        return queryset.filter(submitted_at__lt=_start_of(value + timedelta(days=1)))

    def filter_overdue(self, queryset, name, value):
        overdue = {"status": ReportStatus.SUBMITTED, "submitted_at__lt": overdue_cutoff()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)

    def filter_mine(self, queryset, name, value):
        return queryset.filter(assignee=self.user) if value else queryset

    def filter_hot(self, queryset, name, value):
        hot = Q(kind=ReportKind.HOT_SPOT) | Q(alert_level=AlertLevel.HOT_SPOT)
        return queryset.filter(hot) if value else queryset.exclude(hot)


class RumourFilter(django_filters.FilterSet):
    """Filters of the tracked rumours: verification and a diacritic-insensitive search."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    verification = django_filters.ChoiceFilter(label=_("Verification"), choices=Verification.choices)

    class Meta:
        model = Rumour
        fields = ["q", "verification"]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)
