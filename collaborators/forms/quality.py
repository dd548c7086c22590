"""The quality page's filter form (GET): unit, first and last reporting period, table, sort."""

import re
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from collaborators.filters import UnitFilterField, unit_picker
from collaborators.models import Unit
from collaborators.selectors.quality import SORT_KEYS
from core.forms import MonthInput
from core.ids import parse_id
from core.periods import month_add, period_month

MONTH_RE = re.compile(r"^(20\d{2})-(0[1-9]|1[0-2])$")
MAX_PERIODS = 24


class QualityFilterForm(forms.Form):
    """Every field is optional and falls back to its default (the current period, the viewer's unit,
    people by reports sent) when missing or wrong; a unit out of scope is a 404 for the view."""

    unit = UnitFilterField(
        label=_("Unit (with the units under it)"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=None,
        widget=unit_picker(search=True),
    )
    start = forms.CharField(label=_("From period"), required=False, widget=MonthInput)
    end = forms.CharField(label=_("To period"), required=False, widget=MonthInput)
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
        self.today_month = period_month(timezone.localdate())
        field = self.fields["unit"]
        field.queryset = Unit.objects.visible_to(user)
        field.max_depth = default_unit.depth + 1
        chosen = parse_id((data or {}).get("unit"))
        field.keep = [default_unit.pk] + ([chosen] if chosen is not None else [])
        field.initial = default_unit.pk
        current = self.today_month.strftime("%Y-%m")
        for name in ("start", "end"):
            self.fields[name].initial = current
            self.fields[name].widget.attrs["max"] = current
            self.fields[name].help_text = _("Periods run from the 15th of the month before to the 14th.")

    def _month(self, name) -> date | None:
        value = (self.cleaned_data.get(name) or "").strip()
        if not value:
            return None
        match = MONTH_RE.match(value)
        if not match:
            raise forms.ValidationError(
                _("Enter the period as YYYY-MM, for example %(example)s."),
                params={"example": self.today_month.strftime("%Y-%m")},
                code="malformed",
            )
        return date(int(match[1]), int(match[2]), 1)

    def clean_start(self):
        return self._month("start")

    def clean_end(self):
        return self._month("end")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", _("The last period comes before the first."))
        elif start and end and month_add(start, MAX_PERIODS - 1) < end:
            self.add_error("end", _("Choose at most %(n)d periods.") % {"n": MAX_PERIODS})
        return cleaned

    def value_of(self, name, default=None):
        """The cleaned value of one field, or the default when it was missing or invalid."""
        if not self.is_bound:
            return default
        self.is_valid()
        if name in self.errors:
            return default
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value

    def periods(self) -> tuple[date, date]:
        """The first and last period months chosen (both the current period by default)."""
        start, end = self.value_of("start"), self.value_of("end")
        if end is None:
            end = max(start, self.today_month) if start else self.today_month
        if start is None or start > end or month_add(start, MAX_PERIODS - 1) < end:
            start = end
        return start, end
