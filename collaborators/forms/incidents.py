from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IncidentForm(forms.Form):
    what = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000,
        help_text=_("Which data, how it was exposed or lost, what has been done."),
    )  # fmt: skip
    found_at = forms.DateTimeField(
        label=_("Found at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
    )
    people_affected = forms.IntegerField(label=_("People affected (estimate)"), min_value=0, max_value=10_000_000)

    def clean_found_at(self):
        found_at = self.cleaned_data["found_at"]
        if found_at > timezone.now():
            raise forms.ValidationError(_("The time it was found cannot be in the future."))
        return found_at
