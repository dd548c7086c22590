from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput
from privacy.models import ReadKind


class ReadLogSearchForm(forms.Form):
    person = forms.CharField(label=_("Person (whose data or who read)"), required=False, max_length=100)
    obj = forms.CharField(label=_("Object (name or id)"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("What"), required=False, choices=[("", "—"), *ReadKind.choices])
    date_from = forms.DateField(label=_("Read on or after"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("Read on or before"), required=False, widget=DateInput)
