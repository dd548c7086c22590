"""The dashboard's filter form (GET): period, unit, topic and focus policy."""

from datetime import date

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collaborators.filters import ShallowUnitIterator, UnitFilterField, unit_picker, with_children
from collaborators.models import Unit
from core.forms import MonthInput, PeriodFilterForm
from reports.models import FocusPolicy, Topic


class UnitsInForceIterator(ShallowUnitIterator):
    """The picker's list: the top two levels of the viewer's tree, without dissolved units (the 30
    district federations abolished in 2025 would come first). The chosen unit is always listed."""

    def __iter__(self):
        today = timezone.localdate()
        in_force = Q(valid_to__isnull=True) | Q(valid_to__gte=today) | Q(pk__in=self.field.keep)
        queryset = self.queryset.filter(Q(depth__lte=self.field.max_depth) | Q(pk__in=self.field.keep))
        for unit in with_children(self.queryset, list(queryset.filter(in_force))):
            yield self.choice(unit)


class DashboardUnitField(UnitFilterField):
    iterator = UnitsInForceIterator


class DashboardFilterForm(PeriodFilterForm):
    """Every field is optional and falls back to its default when missing or wrong.

    The unit choices are the viewer's scope (``Unit.objects.visible_to``); the list shows only the
    viewer's unit and the level below it (the city sees ~7,000 units), but any unit in scope is
    accepted from the query string. A unit out of scope is not an error of the form: the view
    answers 404, as for any object outside the viewer's scope.
    """

    period_fields = ("period",)
    malformed_message = _("Enter the month as YYYY-MM, for example %(example)s. Showing the current month.")
    example_format = "%m/%Y"
    future_message = _("%(month)s has not started yet. Showing the current month.")

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
        self.fields["unit"].narrow_to(user, default_unit, (data or {}).get("unit"))

    def clean_period(self) -> date:
        return self.clean_month("period") or self.today_month
