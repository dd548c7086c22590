"""Form fields and widgets with no domain: the browser date picker, a Vietnamese phone number, a choice of
several rows by id."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.ids import parse_id
from core.text import normalise_phone


class DateInput(forms.DateInput):
    """The browser's date picker; it sends and expects ISO dates whatever the display format."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ModelMultipleIdsField(forms.ModelMultipleChoiceField):
    """A choice of several rows by id that refuses a value which is no id as an invalid choice.

    Django looks the values up with ``pk__in``: a number past the database's integers makes that query
    fail (SQLite cannot bind it) where "not a valid value" is the answer.
    """

    def clean(self, value):
        if self.to_field_name is None and isinstance(value, (list, tuple)):
            for item in value:
                if parse_id(item if isinstance(item, int) else str(item)) is None:
                    raise forms.ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": item}
                    )
        return super().clean(value)


class PhoneField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return ""
        phone = normalise_phone(value)
        if not phone:
            raise forms.ValidationError(_("Enter a Vietnamese phone number of 10 digits, e.g. 0912 345 678."))
        return phone
