"""Form fields and widgets with no domain: the browser date picker, a Vietnamese phone number, a choice of
several rows by id, a searchable tree picker over a select, a filter form over reporting periods."""

import re
from datetime import date

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.ids import parse_id, parse_ids
from core.periods import month_add, period_month
from core.text import normalise_phone


class DateInput(forms.DateInput):
    """The browser's date picker; it sends and expects ISO dates whatever the display format."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


# A month as people write it: 10/2025 (or 3/2026).
MONTH_AS_WRITTEN = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{4})\s*$")


class MonthInput(forms.TextInput):
    """The browser's month picker; it sends YYYY-MM. Where the browser has none (a plain text box), the
    month is typed as people write it, mm/yyyy (10/2025), and read here as the same YYYY-MM: every form and
    filter behind this widget then checks one format."""

    input_type = "month"

    def __init__(self, attrs=None):
        attrs = {"placeholder": "mm/yyyy", "pattern": r"\d{4}-\d{2}|\d{1,2}/\d{4}", **(attrs or {})}
        super().__init__(attrs=attrs)

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        match = MONTH_AS_WRITTEN.match(value) if isinstance(value, str) else None
        return f"{match[2]}-{int(match[1]):02d}" if match else value


# A period as the month picker sends it: a year of this century in ASCII digits (int() reads other scripts'
# digits too, and a year such as 0001 has no month before it to open its period with) and a month.
PERIOD_MONTH = re.compile(r"^(20\d{2})-(0[1-9]|1[0-2])$", re.ASCII)
# The longest range of periods a filter shows: two years of monthly figures.
MAX_PERIODS = 24


class PeriodFilterForm(forms.Form):
    """A filter form (GET) whose reporting periods are chosen by month (``MonthInput``: YYYY-MM, or mm/yyyy
    typed): the fields named in ``period_fields`` offer the current period (``core.periods``) and no later
    one, and read as the first day of the period's month. Every field is optional and falls back to its
    default when missing or wrong (``value_of``); a subclass cleans each period field with ``clean_month``
    and a range of two with ``clean_period_range`` / ``period_range``.
    """

    period_fields: tuple[str, ...] = ()
    malformed_message = _("Enter the period as YYYY-MM, for example %(example)s.")
    example_format = "%Y-%m"
    # A period after the current one is refused with this message; None accepts it.
    future_message = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today_month = period_month(timezone.localdate())
        current = self.today_month.strftime("%Y-%m")
        for name in self.period_fields:
            self.fields[name].initial = current
            self.fields[name].widget.attrs["max"] = current

    def clean_month(self, name) -> date | None:
        """The period of field ``name`` (the first day of its month), None when left empty."""
        value = (self.cleaned_data.get(name) or "").strip()
        if not value:
            return None
        match = PERIOD_MONTH.match(value)
        if not match:
            raise forms.ValidationError(
                self.malformed_message,
                params={"example": self.today_month.strftime(self.example_format)},
                code="malformed",
            )
        month = date(int(match[1]), int(match[2]), 1)
        if self.future_message is not None and month > self.today_month:
            raise forms.ValidationError(self.future_message, params={"month": month.strftime("%m/%Y")}, code="future")
        return month

    def clean_period_range(self, start_name, end_name) -> None:
        """From ``start_name`` to ``end_name``: in order and at most ``MAX_PERIODS`` periods."""
        start, end = self.cleaned_data.get(start_name), self.cleaned_data.get(end_name)
        if start and end and start > end:
            self.add_error(end_name, _("The last period comes before the first."))
        elif start and end and month_add(start, MAX_PERIODS - 1) < end:
            self.add_error(end_name, _("Choose at most %(n)d periods.") % {"n": MAX_PERIODS})

    def period_range(self, start_name, end_name) -> tuple[date, date]:
        """The first and last periods chosen; both the current period by default, and the last alone when
        the range is wrong."""
        start, end = self.value_of(start_name), self.value_of(end_name)
        if end is None:
            end = max(start, self.today_month) if start else self.today_month
        if start is None or start > end or month_add(start, MAX_PERIODS - 1) < end:
            start = end
        return start, end

    def value_of(self, name, default=None):
        """The cleaned value of one field, or the default when it was missing or invalid."""
        if not self.is_bound:
            return default
        self.is_valid()
        if name in self.errors:
            return default
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value


class KnownModelChoiceField(forms.ModelChoiceField):
    """A model choice checked first against rows the caller already holds (``known``: {pk: row}, every one
    of them in the field's queryset), so a form posted with one of them reads nothing; any other value is
    checked by the queryset as usual (an inactive row the instance keeps, or one that is not allowed)."""

    known: dict | None = None

    def to_python(self, value):
        if self.known and value not in self.empty_values:
            row = self.known.get(parse_id(value))
            if row is not None:
                return row
        return super().to_python(value)


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


# Django stores a permission's name in English when it migrates ("Can add topic"), from the model's
# untranslated name; the admin shows it as is. The label is built again, in the reader's language, from
# the permission's code and its model's (translated) name.
PERMISSION_ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission) -> str:
    """The app, the model and the permission, in the reader's language. The names pass through gettext
    again: a third-party app may name itself and its models in plain strings (django-otp's "TOTP device"),
    which the third-party catalogue (locale_vendor) translates."""
    model = permission.content_type.model_class()
    if model is None:
        return f"{permission.content_type} | {permission.name}"
    model_name = gettext(str(model._meta.verbose_name))
    action, _sep, code_model = permission.codename.partition("_")
    if code_model == model._meta.model_name and action in PERMISSION_ACTIONS:
        name = PERMISSION_ACTIONS[action] % {"model": model_name}
    else:
        name = dict(model._meta.permissions).get(permission.codename, permission.name)
    return f"{gettext(str(model._meta.app_config.verbose_name))} | {model_name} | {name}"


class PermissionMultipleField(ModelMultipleIdsField):
    def label_from_instance(self, obj):
        return permission_label(obj)


def readable_initial(opts, initial: dict) -> dict:
    """The initial values an admin add page takes from its query string, only those its model's fields
    can read: Django hands the text to the widgets as it is, and a date-and-time widget fails on what is
    no date. Ids of related rows go through ``parse_ids``; other values must pass the field's
    ``to_python``. A name that is no field is kept (the admin reads ``_popup`` and the like itself)."""
    kept = {}
    for name, value in initial.items():
        try:
            field = opts.get_field(name)
        except FieldDoesNotExist:
            kept[name] = value
            continue
        if field.many_to_many:
            kept[name] = [str(pk) for pk in parse_ids(value if isinstance(value, list) else [value])]
        elif field.is_relation:
            if parse_id(value) is not None:
                kept[name] = value
        else:
            try:
                kept[name] = field.to_python(value)
            except (ValidationError, ValueError, TypeError, OverflowError):
                continue
    return kept


class ReadableAdminInput:
    """Mixed into a ModelAdmin (before it): the add page's initial values from the query string only when
    readable (``readable_initial``), and a choice of several related rows refuses a value that is no id
    (``ModelMultipleIdsField``) instead of failing the query; a link typed without a scheme is read as https.
    Inlines mix it in too."""

    def get_changeform_initial_data(self, request):
        return readable_initial(self.opts, super().get_changeform_initial_data(request))

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # A link typed without its scheme ("meet.example.vn/abc") is read as https, Django 6's default.
        if isinstance(db_field, models.URLField):
            kwargs.setdefault("assume_scheme", "https")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        permissions = db_field.related_model._meta.label == "auth.Permission"
        kwargs.setdefault("form_class", PermissionMultipleField if permissions else ModelMultipleIdsField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class PhoneField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return ""
        phone = normalise_phone(value)
        if not phone:
            raise forms.ValidationError(_("Enter a Vietnamese phone number of 10 digits, e.g. 0912 345 678."))
        return phone


MISSING_CHOICES = 100  # chosen values looked up beyond the listed ones: no form picks more units than this

# The picker's own words, translated here because the script has no catalogue of its own.
PICKER_WORDS = {
    "search": _("Search by unit name or code"),
    "ended": _("Show dissolved or merged units too"),
    "remove": pgettext_lazy("unit picker", "Remove"),
    "none": _("No unit matches."),
    "chosen": _("Chosen"),
    "nothing": _("No unit chosen."),
    "tree": _("Units"),
}


class _TreePickerMixin:
    """A choice shown as a searchable tree by ``static/js/unit_picker.js`` (a plain select without script).

    ``option_data(obj)`` gives each option's ``data-`` attributes (its depth in the tree, whether it has
    ended); ``prepare(queryset, objs)`` readies the chosen rows the list leaves out for it, as the list's
    iterator readies the listed ones; ``source`` is the URL of a JSON search for the choices a long list
    leaves out.
    """

    def __init__(self, attrs=None, *, option_data=None, prepare=None, source=None, **kwargs):
        attrs = {**(attrs or {}), "data-unit-picker": "", **{f"data-picker-{k}": v for k, v in PICKER_WORDS.items()}}
        attrs.pop("size", None)
        if source is not None:  # a lazy URL: not resolved while the URLs load
            attrs["data-unit-picker-source"] = source
        super().__init__(attrs=attrs, **kwargs)
        self.option_data = option_data
        self.prepare = prepare

    def use_required_attribute(self, initial):
        """Django reads the first choice to decide, which runs a tree list's queries once more; an optional
        choice never gets ``required``, so its choices are not read for it."""
        if not self.is_required:
            return False
        return super().use_required_attribute(initial)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        instance = getattr(value, "instance", None)
        if instance is not None and self.option_data is not None:
            option["attrs"].update(self.option_data(instance))
        return option

    def optgroups(self, name, value, attrs=None):
        """The listed choices, and the chosen ones a short list (the top levels of a tree) leaves out, so a
        form shown again keeps what the person picked deep in the tree."""
        groups = super().optgroups(name, value, attrs)
        field = getattr(self.choices, "field", None)
        queryset = getattr(self.choices, "queryset", None)
        if field is None or queryset is None:
            return groups
        listed = {str(option["value"]) for _group, options, _index in groups for option in options}
        missing = [str(v) for v in value if v not in (None, "") and str(v) not in listed]
        key = field.to_field_name or "pk"
        if key == "pk":
            missing = [parse_id(v) for v in missing]
        missing = [v for v in missing if v is not None][:MISSING_CHOICES]
        if not missing:
            return groups
        rows = list(queryset.filter(**{f"{key}__in": missing}))
        if self.prepare is not None:
            rows = self.prepare(queryset, rows)
        for obj in rows:
            choice_value, label = self.choices.choice(obj)
            index = len(groups)
            groups.append((None, [self.create_option(name, choice_value, label, True, index)], index))
        return groups


class TreeSelect(_TreePickerMixin, forms.Select):
    pass


class TreeSelectMultiple(_TreePickerMixin, forms.SelectMultiple):
    pass
