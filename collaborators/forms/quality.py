"""The quality page's filter form (GET): unit, first and last reporting period, table, sort."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from collaborators.filters import UnitFilterField, unit_picker
from collaborators.models import Unit
from collaborators.selectors.quality import SORT_KEYS
from core.forms import MonthInput, PeriodFilterForm

PERIODS_HELP = _("Periods run from the 15th of the month before to the 14th.")


class QualityFilterForm(PeriodFilterForm):
    """Every field is optional and falls back to its default (the current period, the viewer's unit,
    people by reports sent) when missing or wrong; a unit out of scope is a 404 for the view."""

    period_fields = ("start", "end")

    unit = UnitFilterField(
        label=_("Unit (with the units under it)"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=None,
        widget=unit_picker(search=True),
    )
    start = forms.CharField(label=_("From period"), required=False, widget=MonthInput, help_text=PERIODS_HELP)
    end = forms.CharField(label=_("To period"), required=False, widget=MonthInput, help_text=PERIODS_HELP)
    by = forms.ChoiceField(
        label=_("Show"), required=False, choices=[("people", pgettext_lazy("quality", "People")), ("units", _("Units"))]
    )
    sort = forms.ChoiceField(
        required=False,
        widget=forms.HiddenInput,
        choices=[(key, key) for key in SORT_KEYS] + [(f"-{key}", f"-{key}") for key in SORT_KEYS],
    )

    def __init__(self, data=None, *, user, default_unit: Unit, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["unit"].narrow_to(user, default_unit, (data or {}).get("unit"))

    def clean_start(self):
        return self.clean_month("start")

    def clean_end(self):
        return self.clean_month("end")

    def clean(self):
        cleaned = super().clean()
        self.clean_period_range("start", "end")
        return cleaned

    def periods(self) -> tuple[date, date]:
        """The first and last period months chosen (both the current period by default)."""
        return self.period_range("start", "end")
