"""The people list's filters (django-filter), shared by the list page and the exports."""

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Exists, Min, OuterRef, Q, QuerySet
from django.forms.models import ModelChoiceIterator
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelChoiceField

from collaborators.models import (
    CollaboratorStatus,
    Position,
    ReportingActivity,
    Role,
    TrainingAttendance,
    Unit,
    User,
)
from core.forms import ModelMultipleIdsField, TreeSelect, TreeSelectMultiple
from core.ids import parse_id
from core.periods import period_month


def unit_label(unit):
    """A unit in a choice list, indented by its depth in the tree."""
    return "\u2003" * max(unit.depth - 1, 0) + unit.name


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit):
        return unit_label(unit)


def with_children(units: QuerySet, rows: list[Unit]) -> list[Unit]:
    """``rows``, each with ``children_open`` and ``children_ended``: how many units of ``units`` (the rule of
    the list, which a branch opened under the row follows too) stand right under it, not ended and ended.
    One query."""
    counts = units.child_counts(rows)
    for unit in rows:
        unit.children_open, unit.children_ended = counts.get(unit.path, (0, 0))
    return rows


def unit_option_data(unit) -> dict:
    """What the unit picker (``static/js/unit_picker.js``) needs of each unit: its place in the tree (path,
    depth, how many units of the form's rule are right under it, not ended and ended: a branch it may open
    while ended units are hidden, or shown), its code (searched too) and whether it has ended (dissolved,
    merged: hidden unless asked). Units listed without ``with_children`` count every unit under them."""
    ended = unit.valid_to is not None and unit.valid_to < timezone.localdate()
    return {
        "data-id": unit.pk,
        "data-depth": unit.depth,
        "data-path": unit.path,
        "data-code": unit.code,
        "data-children": getattr(unit, "children_open", unit.numchild),
        "data-children-ended": getattr(unit, "children_ended", 0),
        **({"data-ended": "1"} if ended else {}),
    }


# What a form's choice of units accepts, by name: the picker's endpoint (``roster:unit_options``) takes the
# name as ``purpose`` and answers from the same queryset the form validates with, so every unit a branch or
# a search brings is one the form accepts. Only these names exist: the client never sends a rule.
UNIT_PURPOSES = {
    # Every unit the viewer sees, ended ones too (the filters of lists and figures).
    "visible": lambda user: Unit.objects.visible_to(user),
    # Units in force the viewer sees (a person's unit, a decision's issuing unit).
    "in-force": lambda user: Unit.objects.visible_to(user).current(),
    # Units in force the viewer manages (a training's organising and target units).
    "manage": lambda user: Unit.objects.manageable_by(user).current(),
    # Units the viewer manages that have no end date (the target units of guidance and requests for opinion).
    "manage-open": lambda user: Unit.objects.manageable_by(user).filter(valid_to__isnull=True),
}


def units_for(user, purpose: str = "visible"):
    """The units ``user`` may choose for ``purpose`` (a name in ``UNIT_PURPOSES``); a KeyError otherwise."""
    return UNIT_PURPOSES[purpose](user).order_by("path")


def unit_picker(*, multiple=False, search=False, by_code=False, purpose=None):
    """The searchable tree widget for a choice of units; ``search`` adds the scoped JSON search of every
    unit the viewer sees and the opening of branches the list leaves out (for lists that show only the top
    levels); ``purpose`` (a name in ``UNIT_PURPOSES``, implies ``search``) narrows that search and those
    branches to what the form accepts; ``by_code``: the options' values are the units' codes (fields with
    ``to_field_name="code"``)."""
    widget = TreeSelectMultiple if multiple else TreeSelect
    attrs = {"data-unit-picker-value": "code"} if by_code else None
    source = None
    if purpose is not None:
        if purpose not in UNIT_PURPOSES:
            raise ValueError(f"Unknown unit purpose: {purpose}")
        source = format_lazy("{}?purpose={}", reverse_lazy("roster:unit_options"), purpose)
    elif search:
        source = reverse_lazy("roster:unit_options")
    return widget(attrs=attrs, option_data=unit_option_data, prepare=with_children, source=source)


class TopLevelsIterator(ModelChoiceIterator):
    """The two top levels of the units a field accepts: the picker opens deeper branches and searches the
    rest (a city federation has about 7,000 units). A chosen deeper unit is added by the widget
    (``core.forms._TreePickerMixin.optgroups``), so a form shown again keeps it."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        queryset = self.queryset
        top = queryset.aggregate(top=Min("depth"))["top"]
        if top is not None:
            queryset = queryset.filter(depth__lte=top + 1)
        for unit in with_children(self.queryset, list(queryset)):
            yield self.choice(unit)


class ShortUnitChoiceField(UnitChoiceField):
    """One unit, listed two levels deep; the picker loads the rest from the endpoint for ``purpose``."""

    iterator = TopLevelsIterator

    def __init__(self, *, purpose, **kwargs):
        kwargs.setdefault("queryset", Unit.objects.none())
        kwargs.setdefault("widget", unit_picker(purpose=purpose))
        super().__init__(**kwargs)


class ShortUnitMultipleChoiceField(ModelMultipleIdsField):
    """Several units, listed two levels deep; the picker loads the rest from the endpoint for ``purpose``."""

    iterator = TopLevelsIterator

    def __init__(self, *, purpose, **kwargs):
        kwargs.setdefault("queryset", Unit.objects.none())
        kwargs.setdefault("widget", unit_picker(multiple=True, purpose=purpose))
        super().__init__(**kwargs)

    def label_from_instance(self, unit):
        return unit_label(unit)


class ShallowUnitIterator(ModelChoiceIterator):
    """Offer only the top levels of the viewer's tree (and the chosen unit).

    A city federation sees ~7,000 units: listing them all made the roster page
    weigh 700 KB and take 2 s to render (docs/benchmarks.md). Any unit in scope
    is still accepted from the query string (the unit pages link to it).
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        queryset = self.queryset
        if self.field.max_depth:
            queryset = queryset.filter(Q(depth__lte=self.field.max_depth) | Q(pk__in=self.field.keep))
        for unit in with_children(self.queryset, list(queryset)):
            yield self.choice(unit)


class UnitFilterField(ModelChoiceField):
    iterator = ShallowUnitIterator

    def __init__(self, *args, max_depth=None, keep=(), **kwargs):
        self.max_depth = max_depth
        self.keep = list(keep)
        super().__init__(*args, **kwargs)

    def label_from_instance(self, unit):
        return unit_label(unit)

    def narrow_to(self, user, default_unit, chosen):
        """Valid choices: every unit ``user`` sees; listed: ``default_unit`` (also the initial choice), the
        level below it and the ``chosen`` id from the query string (as given, not yet checked)."""
        self.queryset = Unit.objects.visible_to(user)
        self.max_depth = default_unit.depth + 1
        chosen = parse_id(chosen)
        self.keep = [default_unit.pk] + ([chosen] if chosen is not None else [])
        self.initial = default_unit.pk


class UnitFilter(django_filters.ModelChoiceFilter):
    field_class = UnitFilterField

    def narrow_to(self, user, data):
        """Valid choices: every unit the user sees; listed: their unit and the level below it."""
        self.queryset = Unit.objects.visible_to(user)
        base_depth = user.unit.depth if (user.unit_id and not user.is_superuser) else 1
        self.extra["max_depth"] = base_depth + 1
        chosen = parse_id((data or {}).get(self.field_name))
        self.extra["keep"] = [chosen] if chosen is not None else []


class PeopleFilter(django_filters.FilterSet):
    """Filters of the roster. The unit choices and the rows are narrowed to the viewer's scope."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    unit = UnitFilter(
        label=_("Unit (with the units under it)"),
        queryset=Unit.objects.none(),
        method="filter_unit",
        widget=unit_picker(search=True),
    )
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Role.choices)
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=CollaboratorStatus.choices, field_name="profile__status"
    )
    position = django_filters.ChoiceFilter(
        label=_("Position"), choices=Position.choices, field_name="profile__position"
    )
    trained = django_filters.BooleanFilter(
        label=_("Trained in the last 12 months"),
        method="filter_trained",
        widget=forms.Select(choices=[("", "---------"), ("true", _("Yes")), ("false", _("No"))]),
    )
    never_trained = django_filters.BooleanFilter(
        label=_("Never trained"),
        method="filter_never_trained",
        widget=forms.Select(choices=[("", "---------"), ("true", _("Yes")), ("false", _("No"))]),
    )
    reported = django_filters.BooleanFilter(
        label=_("Reported this period"),
        method="filter_reported",
        widget=forms.Select(choices=[("", "---------"), ("true", _("Yes")), ("false", _("No"))]),
    )

    class Meta:
        model = User
        fields = ["q", "unit", "role", "status", "position", "trained", "never_trained", "reported"]

    def __init__(self, data=None, *args, user, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["unit"].narrow_to(user, data)

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_unit(self, queryset, name, unit):
        return queryset.filter(unit__path__startswith=unit.path)

    def filter_trained(self, queryset, name, value):
        """Attended a training session in the last 12 months (the facts the trainings service writes)."""
        trained = TrainingAttendance.trained_since(timezone.localdate() - timedelta(days=365))
        return queryset.filter(trained) if value else queryset.exclude(trained)

    def filter_never_trained(self, queryset, name, value):
        """Has no training attendance at all (the list the dashboard's training coverage links to)."""
        ever = Exists(TrainingAttendance.objects.filter(person=OuterRef("pk")))
        return queryset.exclude(ever) if value else queryset.filter(ever)

    def filter_reported(self, queryset, name, value):
        """Reported in the period in progress: the fact the reports service writes at a report's first
        sending, the one the dashboard, compliance and the reminders count (a returned report sent again
        counts in the period it was first sent in)."""
        reported = ReportingActivity.reported_in(period_month(timezone.localdate()))
        return queryset.filter(reported) if value else queryset.exclude(reported)
