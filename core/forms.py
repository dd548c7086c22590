"""Form fields and widgets with no domain: the browser date picker, a Vietnamese phone number."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.text import normalise_phone


class DateInput(forms.DateInput):
    """The browser's date picker; it sends and expects ISO dates whatever the display format."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PhoneField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return ""
        phone = normalise_phone(value)
        if not phone:
            raise forms.ValidationError(_("Enter a Vietnamese phone number of 10 digits, e.g. 0912 345 678."))
        return phone
