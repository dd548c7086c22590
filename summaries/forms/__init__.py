"""The dashboard's filter form (GET): period, unit, topic and focus policy."""

import re
from datetime import date

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collaborators.filters import ShallowUnitIterator, UnitFilterField, unit_picker
from collaborators.models import Unit
from core.ids import parse_id
from core.periods import period_month
from reports.filters import MonthInput
from reports.models import FocusPolicy, Topic

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def current_month() -> date:
    """The reporting month of today, local time (Asia/Ho_Chi_Minh): see collaborators/periods.py."""
    return period_month(timezone.localdate())


class UnitsInForceIterator(ShallowUnitIterator):
    """The picker's list: the top two levels of the viewer's tree, without dissolved units (the 30
    district federations abolished in 2025 would come first). The chosen unit is always listed."""

    def __iter__(self):
        today = timezone.localdate()
        in_force = Q(valid_to__isnull=True) | Q(valid_to__gte=today) | Q(pk__in=self.field.keep)
        queryset = self.queryset.filter(Q(depth__lte=self.field.max_depth) | Q(pk__in=self.field.keep))
        for unit in queryset.filter(in_force).iterator():
            yield self.choice(unit)


class DashboardUnitField(UnitFilterField):
    iterator = UnitsInForceIterator


class DashboardFilterForm(forms.Form):
    """Every field is optional and falls back to its default when missing or wrong.

    The unit choices are the viewer's scope (``Unit.objects.visible_to``); the list shows only the
    viewer's unit and the level below it (the city sees ~7,000 units), but any unit in scope is
    accepted from the query string. A unit out of scope is not an error of the form: the view
    answers 404, as for any object outside the viewer's scope.
    """

    period = forms.CharField(
        label=_("Month"),
        required=False,
        widget=MonthInput,
        help_text=_("Month and year, e.g. 10/2025."),
    )
    unit = DashboardUnitField(
        label=_("Unit (with the units under it)"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=None,
        widget=unit_picker(search=True),
    )
    topic = forms.ModelChoiceField(
        label=_("Topic"), queryset=Topic.objects.all(), required=False, empty_label=_("All topics")
    )
    policy = forms.ModelChoiceField(
        label=_("Focus policy"),
        queryset=FocusPolicy.objects.all(),
        required=False,
        empty_label=_("All focus policies"),
    )

    def __init__(self, data=None, *, user, default_unit: Unit, **kwargs):
        super().__init__(data, **kwargs)
        self.default_unit = default_unit
        self.today_month = current_month()
        field = self.fields["unit"]
        field.queryset = Unit.objects.visible_to(user)
        field.max_depth = default_unit.depth + 1
        chosen = parse_id((data or {}).get("unit"))
        field.keep = [default_unit.pk] + ([chosen] if chosen is not None else [])
        field.initial = default_unit.pk
        self.fields["period"].widget.attrs["max"] = self.today_month.strftime("%Y-%m")
        self.fields["period"].initial = self.today_month.strftime("%Y-%m")

    def clean_period(self) -> date:
        value = (self.cleaned_data.get("period") or "").strip()
        if not value:
            return self.today_month
        match = MONTH_RE.match(value)
        if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
            raise forms.ValidationError(
                _("Enter the month as YYYY-MM, for example %(example)s. Showing the current month."),
                params={"example": self.today_month.strftime("%m/%Y")},
                code="malformed",
            )
        month = date(int(match[1]), int(match[2]), 1)
        if month > self.today_month:
            raise forms.ValidationError(
                _("%(month)s has not started yet. Showing the current month."),
                params={"month": month.strftime("%m/%Y")},
                code="future",
            )
        return month

    def value_of(self, name, default=None):
        """The cleaned value of one field, or the default when it was missing or invalid."""
        if not self.is_bound:
            return default
        self.is_valid()
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value
