"""Forms of the summaries workflow: compile one now, edit the text."""

import re
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collaborators.filters import unit_picker
from collaborators.models import Unit
from core.periods import period_month
from summaries.models import SECTION_KEYS, PeriodKind, ReportingPeriod, section_headings

# ASCII digits of a year this century: int() reads other scripts' digits too, and a year such as 0000 or
# 0001 has no month before it to open its period with.
MONTH = re.compile(r"^(20\d{2})-(0[1-9]|1[0-2])$", re.ASCII)


class CompileForm(forms.Form):
    scope = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), widget=unit_picker(search=True))
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[(PeriodKind.MONTHLY, _("Monthly")), (PeriodKind.WEEKLY, _("Weekly"))]
    )
    month = forms.CharField(
        label=_("Month"),
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text=_("The reporting month: with the usual periods, 11/2026 runs from 15/10 to 14/11."),
        required=False,
    )
    week_of = forms.DateField(
        label=_("Week containing"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        visible = Unit.objects.visible_to(user)
        own = user.unit
        # The viewer's unit and the units directly under it (any visible unit is accepted).
        if own is not None:
            choices = visible.filter(path__startswith=own.path, depth__lte=own.depth + 1).order_by("path")
        else:
            choices = visible.filter(depth__lte=2).order_by("path")
        self.fields["scope"].queryset = visible
        self.fields["scope"].choices = [
            (u.pk, ("— " if u.depth > (own.depth if own else 1) else "") + u.name) for u in choices
        ]
        if own is not None and not self.is_bound:
            self.initial.setdefault("scope", own.pk)
        self.initial.setdefault("month", period_month(timezone.localdate()).strftime("%Y-%m"))

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        if data.get("kind") == PeriodKind.WEEKLY:
            day = data.get("week_of")
            if day is None:
                raise forms.ValidationError(_("Choose a day of the week to summarise."))
            if day > today:
                raise forms.ValidationError(_("A summary cannot be compiled for a future period."))
            data["period"] = ReportingPeriod.objects.week_of(day)
        else:
            match = MONTH.match(data.get("month") or "")
            if not match:
                raise forms.ValidationError(_("Enter a month as YYYY-MM."))
            first = date(int(match.group(1)), int(match.group(2)), 1)
            if first > period_month(today):
                raise forms.ValidationError(_("A summary cannot be compiled for a future period."))
            data["period"] = ReportingPeriod.objects.month_of(first)
        return data


DETAIL_FIELDS = ("number", "addressed_to", "recipients", "signer_title", "signer_name")


class SummaryEditForm(forms.Form):
    number = forms.CharField(
        label=_("Number"), max_length=64, required=False, help_text=_("Left empty, it is numbered when issued.")
    )
    addressed_to = forms.CharField(
        label=_("Addressed to"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One body per line."),
    )
    recipients = forms.CharField(
        label=_("Recipients"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_(
            "One per line; add an e-mail address in angle brackets to send the files, "
            'e.g. "Ban Tuyên giáo <btg@example.vn>".'
        ),
    )
    signer_title = forms.CharField(label=_("Signer's title"), max_length=128, required=False)
    signer_name = forms.CharField(label=_("Signer's name"), max_length=128, required=False)

    def __init__(self, *args, summary, **kwargs):
        super().__init__(*args, **kwargs)
        headings = section_headings()
        for key in SECTION_KEYS:
            self.fields[f"section_{key}"] = forms.CharField(
                label=headings[key], widget=forms.Textarea(attrs={"rows": 6}), required=False, max_length=20000
            )
        if not self.is_bound:
            for key in SECTION_KEYS:
                self.initial[f"section_{key}"] = summary.sections.get(key, "")
            for name in DETAIL_FIELDS:
                self.initial[name] = getattr(summary, name)

    def sections(self) -> dict:
        return {key: self.cleaned_data[f"section_{key}"] for key in SECTION_KEYS}

    def other_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in DETAIL_FIELDS}
