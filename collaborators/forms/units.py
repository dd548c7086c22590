"""Forms of the units pages. Rules involving other rows or permissions live in services/units.py."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collaborators.filters import TopLevelsIterator, unit_label, unit_picker
from collaborators.models import Unit, UnitKind
from core.forms import DateInput

REASON_MAX_LENGTH = 80  # room for the automatic part in the history's 100-character reason


class UnitCodeField(forms.ModelChoiceField):
    """A unit chosen in the unit picker (a searchable tree), sent by its code.

    The list holds the top two levels; the picker opens branches and searches the others. The queryset
    still narrows what is accepted.
    """

    iterator = TopLevelsIterator
    default_error_messages = {
        "invalid_choice": _("No unit in force in your area has this code. Search by name below the field."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Unit.objects.none())
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("widget", unit_picker(search=True, by_code=True))
        super().__init__(**kwargs)

    def label_from_instance(self, unit):
        return unit_label(unit)

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


SPLIT_MAX_SUCCESSORS = 8


class UnitSplitForm(forms.Form):
    """Split a unit: its last day, up to eight successors (chosen in the unit picker), a default successor,
    and for each sub-unit still in force and each person attached directly to the unit, the successor that
    takes them over when it is not the default (by number).

    People of a sub-unit go with it and are not listed: a district federation with hundreds of people in
    its grassroots unions shows one choice per grassroots union, and one per person only for its own staff;
    every choice left on "the default successor" goes to the default."""

    on = forms.DateField(
        label=_("Last day in force of this unit"),
        initial=timezone.localdate,
        widget=DateInput(),
        help_text=_("For the district federations abolished in 2025: 30/06/2025."),
    )
    reason = _reason_field()

    picker_fields = tuple(f"successor_{n}" for n in range(1, SPLIT_MAX_SUCCESSORS + 1))

    def __init__(self, *args, actor, unit, children, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.children = list(children)
        self.people = list(people)
        candidates = Unit.objects.manageable_by(actor).current()
        for n in range(1, SPLIT_MAX_SUCCESSORS + 1):
            self.fields[f"successor_{n}"] = UnitCodeField(
                label=_("Successor %(n)d (code)") % {"n": n},
                required=n <= 2,
                queryset=candidates,
                help_text=_("Type the code, or search by name below.") if n <= 2 else "",
            )
        numbered = [(str(n), _("Successor %(n)d") % {"n": n}) for n in range(1, SPLIT_MAX_SUCCESSORS + 1)]
        self.fields["default"] = forms.ChoiceField(
            label=_("Default successor"),
            choices=[("", _("— none: choose for each —"))] + numbered,
            required=False,
            initial="1",
            help_text=_("Every unit and person below left on “the default successor” goes to this one."),
        )
        choices = [("", _("— the default successor —"))] + numbered
        for child in self.children:
            self.fields[f"child_{child.pk}"] = forms.ChoiceField(
                label=_("Unit: %(name)s (%(code)s)") % {"name": child.name, "code": child.code},
                choices=choices,
                required=False,
            )
        for person in self.people:
            self.fields[f"person_{person.pk}"] = forms.ChoiceField(
                label=_("Person: %(name)s") % {"name": person.get_full_name()}, choices=choices, required=False
            )

    def successor_fields(self):
        return [self[f"successor_{n}"] for n in range(1, SPLIT_MAX_SUCCESSORS + 1)]

    def assignment_fields(self):
        return [self[name] for name in self.fields if name.startswith(("child_", "person_"))]

    def main_fields(self):
        return [self[name] for name in self.fields if not name.startswith(("child_", "person_"))]

    def child_fields(self):
        return [self[name] for name in self.fields if name.startswith("child_")]

    def person_fields(self):
        return [self[name] for name in self.fields if name.startswith("person_")]

    def clean(self):
        data = super().clean()
        successors = {n: data.get(f"successor_{n}") for n in range(1, SPLIT_MAX_SUCCESSORS + 1)}
        default = data.get("default")
        if default and successors.get(int(default)) is None and "default" not in self.errors:
            self.add_error("default", _("This successor has no unit: fill in its code above."))
            default = None
        for name in list(self.fields):
            if not name.startswith(("child_", "person_")) or name in self.errors:
                continue
            chosen = data.get(name)
            if chosen and successors.get(int(chosen)) is None:
                self.add_error(name, _("This successor has no unit: fill in its code above."))
            elif not chosen and not default:
                self.add_error(name, _("Choose a successor, or a default successor above."))
            elif not chosen:
                data[name] = default
        return data

    def service_kwargs(self) -> dict:
        """The arguments of ``unit_split``: the date, the reason and one part per successor named."""
        from collaborators.services.units import Successor

        data = self.cleaned_data
        parts = []
        for n in range(1, SPLIT_MAX_SUCCESSORS + 1):
            target = data.get(f"successor_{n}")
            if target is None:
                continue
            children = tuple(c for c in self.children if data.get(f"child_{c.pk}") == str(n))
            people = tuple(p for p in self.people if data.get(f"person_{p.pk}") == str(n))
            parts.append(Successor(unit=target, children=children, people=people))
        return {"on": data["on"], "reason": data.get("reason", ""), "parts": parts}
