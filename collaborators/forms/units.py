"""Forms of the units pages. Rules involving other rows or permissions live in services/units.py."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collaborators.models import Unit, UnitKind
from core.forms import DateInput

REASON_MAX_LENGTH = 80  # room for the automatic part in the history's 100-character reason


class UnitCodeField(forms.ModelChoiceField):
    """A unit chosen by its code (typed, or filled in by the name search next to it).

    A select would list up to 7,000 units; the queryset still narrows what is accepted.
    """

    default_error_messages = {
        "invalid_choice": _("No unit in force in your area has this code. Search by name below the field."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Unit.objects.none())
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        value = (value or "").strip()
        if value in self.empty_values:
            return None
        unit = self.queryset.filter(code__iexact=value).first()
        if unit is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return unit


def _reason_field(*, required=False, label=None, help_text=None):
    return forms.CharField(
        label=label or _("Reason or decision (kept in the history)"),
        required=required,
        max_length=REASON_MAX_LENGTH,
        help_text=help_text or _("For example: Decision 125/QĐ-LĐLĐ of 25/09/2025."),
    )


class UnitFieldsForm(forms.Form):
    """The fields an admin edits on a unit."""

    name = forms.CharField(label=_("Name"), max_length=255)
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("A short code that no other unit uses, e.g. CD-PBADINH."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    valid_from = forms.DateField(
        label=_("In force from"), required=False, widget=DateInput(), help_text=_("Leave empty if not known.")
    )
    member_count = forms.IntegerField(label=_("Union members"), min_value=0, initial=0)
    reason = _reason_field()

    picker_fields: tuple[str, ...] = ()

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if len(name) < 2:
            raise ValidationError(_("Enter the unit's name."))
        return name

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split()).upper()
        if not code:
            raise ValidationError(_("Enter the unit's code."))
        return code

    @classmethod
    def initial_for(cls, unit: Unit) -> dict:
        return {name: getattr(unit, name) for name in ("name", "code", "kind", "valid_from", "member_count")}


class UnitCreateForm(UnitFieldsForm):
    parent = UnitCodeField(
        label=_("Under which unit (its code)"),
        help_text=_("Type the code, or search by name below."),
    )

    field_order = ["parent", "name", "code", "kind", "valid_from", "member_count", "reason"]
    picker_fields = ("parent",)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Unit.objects.manageable_by(actor).current()
        # Only superusers may start a new tree; everyone else adds under a unit of theirs.
        self.fields["parent"].required = not actor.is_superuser
        self.fields["kind"].initial = UnitKind.GRASSROOTS


class UnitMoveForm(forms.Form):
    new_parent = UnitCodeField(
        label=_("Move under (code of the new parent unit)"),
        help_text=_("Type the code, or search by name below. Everything under this unit moves with it."),
    )
    reason = _reason_field()

    picker_fields = ("new_parent",)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].queryset = Unit.objects.manageable_by(actor).current()


class UnitDissolveForm(forms.Form):
    on = forms.DateField(
        label=_("Last day in force"),
        initial=timezone.localdate,
        widget=DateInput(),
        help_text=_("For the district federations abolished in 2025: 30/06/2025."),
    )
    reason = _reason_field(required=True, label=_("Reason or decision"))

    picker_fields = ()


class UnitMergeForm(forms.Form):
    successor = UnitCodeField(
        label=_("Merge into (code of the unit that takes over)"),
        help_text=_("Type the code, or search by name below."),
    )
    on = forms.DateField(label=_("Last day in force of this unit"), initial=timezone.localdate, widget=DateInput())
    reason = _reason_field()

    picker_fields = ("successor",)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = Unit.objects.manageable_by(actor).current()
