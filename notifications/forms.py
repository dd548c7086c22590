"""The preferences form: per category the channels and at once / digest, and the quiet hours."""

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Cadence, Category, Channel
from notifications.services.channels import channel_available
from notifications.services.preferences import categories_for

HOURS = [(h, f"{h:02d}:00") for h in range(24)]


class PreferencesForm(forms.Form):
    quiet_from = forms.TypedChoiceField(label=_("Quiet from"), choices=HOURS, coerce=int)
    quiet_until = forms.TypedChoiceField(label=_("Quiet until"), choices=HOURS, coerce=int)

    def __init__(self, *args, user, current: dict, contact, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = categories_for(user)
        available = [(c, label) for c, label in Channel.choices if channel_available(c)]
        self.fields["quiet_from"].initial = contact.quiet_from
        self.fields["quiet_until"].initial = contact.quiet_until
        for category in self.categories:
            channels, cadence = current[category]
            self.fields[f"{category}-channels"] = forms.MultipleChoiceField(
                label=Category(category).label,
                choices=available,
                required=False,
                initial=[c for c in channels if c in dict(available)],
                widget=forms.CheckboxSelectMultiple,
            )
            self.fields[f"{category}-cadence"] = forms.ChoiceField(
                label=_("When"), choices=Cadence.choices, initial=cadence
            )

    def rows(self):
        """(category label, channels field, cadence field) for the template's table."""
        return [(Category(c).label, self[f"{c}-channels"], self[f"{c}-cadence"]) for c in self.categories]

    def choices(self) -> dict:
        data = self.cleaned_data
        return {c: (data[f"{c}-channels"], data[f"{c}-cadence"]) for c in self.categories}


class PhoneCodeForm(forms.Form):
    code = forms.RegexField(label=_("Code"), regex=r"^\d{6}$", max_length=6, strip=True)
