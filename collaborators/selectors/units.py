"""Reads for the units pages: the tree, a unit's page, search, history.

Figures per unit cover the unit's whole subtree (people whose unit path starts
with the unit's path). They are computed with one grouped query per figure
and per tree depth among the listed units, whatever the number of units, so a
page of the tree costs a fixed number of queries even with 7,000 units.

This app counts the people itself. Higher apps add their own figures (the reports
sent in each subtree...) by answering the ``unit_figures`` signal from their
``receivers.py``; they count with ``subtree_counts`` at the same fixed cost.
"""

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from os.path import commonprefix

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext

from collaborators.access import covers, is_admin
from collaborators.models import Role, Unit, User
from collaborators.signals import unit_figures
from core import fragments
from core.text import fold

CHILDREN_PAGE_SIZE = 100
SEARCH_LIMIT = 50
PICK_LIMIT = 20
BRANCH_LIMIT = 500  # units right under one unit: a city federation has a few hundred


# --- Figures per subtree ------------------------------------------------------------------


def subtree_counts(
    queryset: QuerySet, units: list[Unit], *, path_lookup: str = "unit__path", value=None
) -> dict[str, int]:
    """{unit path: rows of ``queryset`` in its subtree} for the listed units: one grouped query per depth.

    A row is in a unit's subtree when its ``path_lookup`` starts with the unit's path. ``value`` (an
    aggregate, ``Count("pk")`` by default) sums a counter table's column instead of counting rows.
    """
    by_depth: dict[int, set[str]] = defaultdict(set)
    for unit in units:
        by_depth[len(unit.path) // Unit.steplen].add(unit.path)
    counts: dict[str, int] = {}
    for depth, paths in by_depth.items():
        length = depth * Unit.steplen
        # The common prefix (cut to whole steps) keeps the scan to one indexed subtree.
        common = commonprefix(sorted(paths))
        common = common[: len(common) - len(common) % Unit.steplen]
        rows = (
            queryset.filter(**{f"{path_lookup}__startswith": common})
            .annotate(subtree_path=Substr(path_lookup, 1, length))
            .filter(subtree_path__in=paths)
            .order_by()
            .values("subtree_path")
            .annotate(n=value if value is not None else Count("pk"))
            .values_list("subtree_path", "n")
        )
        counts.update(rows)
    return counts


def _higher_app_figures(user, rows: list[Unit]) -> list[tuple[str, dict[str, int]]]:
    """[(label, {unit path: n})] from the apps answering ``unit_figures``, in the order they answered."""
    figures = []
    for _receiver, reply in unit_figures.send(sender=Unit, units=rows, viewer=user):
        figures.extend((str(label), values) for label, values in (reply or {}).items())
    return figures


def _subtree_figures(user, rows: list[Unit]):
    """(people per subtree, the higher apps' figures) for these units, from the cache while no write has
    changed the figures (``core.fragments``: the version every report, person and unit write moves).
    Reading them means summing the counters of every unit under each row (28,000 counter rows for the
    city's units at 1,000,000 reports, about a third of a second), so the page keeps them per viewer's
    scope and list of units."""
    digest = hashlib.sha256(",".join(sorted(unit.path for unit in rows)).encode()).hexdigest()
    key = fragments.key(
        fragments.FIGURES,
        "units",
        get_language(),
        user.role,
        user.unit_id,
        user.is_superuser,
        digest,
        timezone.localdate(),
    )
    cached = fragments.get(key) if key else None
    if cached is not None:
        return cached
    value = (subtree_counts(User.objects.all(), rows), _higher_app_figures(user, rows))
    if key:
        fragments.store(key, value)
    return value


def units_with_counts(user, units: Iterable[Unit]) -> list[Unit]:
    """The given units (those in the user's scope), each annotated for display.

    Sets on each unit: ``people_count`` (people in its subtree), ``figures`` ({label: n} from
    higher apps), ``count_cells`` ([(label, n)], people first), ``ended`` (dissolved or merged
    before today), ``not_yet`` (in force from a later date) and ``child_count`` (every unit right under
    it; ``without_ended_children`` counts those in force), and ``expanded`` (False unless the caller
    opened the unit already: the template reads it on every node, and a missing attribute makes Django's
    template engine list the model's attributes, ~0.1 ms a node). Costs one query per figure and per
    distinct depth among the units, none per unit.
    """
    today = timezone.localdate()
    rows = [unit for unit in units if covers(user, [unit])]
    people, figures = _subtree_figures(user, rows) if rows else ({}, [])
    people_label = gettext("People")
    for unit in rows:
        unit.people_count = people.get(unit.path, 0)
        unit.figures = {label: values.get(unit.path, 0) for label, values in figures}
        unit.count_cells = [(people_label, unit.people_count), *unit.figures.items()]
        unit.ended = unit.valid_to is not None and unit.valid_to < today
        unit.not_yet = unit.valid_from is not None and unit.valid_from > today
        unit.child_count = unit.numchild
        if not hasattr(unit, "expanded"):
            unit.expanded = False
    return rows


def without_ended_children(user, rows: list[Unit]) -> list[Unit]:
    """``rows`` (from ``units_with_counts``) with ``child_count`` the units right under each that have not
    ended: where the tree hides ended units, a unit whose units have all ended has nothing to open. One
    query."""
    counts = Unit.objects.visible_to(user).child_counts(rows)
    for unit in rows:
        unit.child_count = counts.get(unit.path, (0, 0))[0]
    return rows


# --- The tree -----------------------------------------------------------------------------


def _not_ended(queryset: QuerySet) -> QuerySet:
    return queryset.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=timezone.localdate()))


def _tree_order(queryset: QuerySet) -> QuerySet:
    # Units in force first, then the dissolved ones (latest first), each group by name.
    return queryset.order_by(F("valid_to").desc(nulls_first=True), "name", "pk")


def unit_roots(user) -> QuerySet:
    """The top of the tree a person sees: their own unit, or the tree's roots for superusers."""
    if user.is_superuser:
        return Unit.objects.filter(depth=1)
    if user.role not in (Role.STAFF, Role.ADMIN) or user.unit_id is None:
        return Unit.objects.none()
    return Unit.objects.filter(pk=user.unit_id)


def _children_of_many(user, parents: list[Unit], *, include_ended: bool) -> QuerySet:
    condition = Q()
    for parent in parents:
        condition |= Q(depth=parent.depth + 1, path__startswith=parent.path)
    children = Unit.objects.visible_to(user).filter(condition)
    if not include_ended:
        children = _not_ended(children)
    return _tree_order(children)


def unit_tree(user, *, include_ended: bool = True) -> list[Unit]:
    """The user's root unit(s) with their children, all with counts; ``root.child_rows`` holds the children.

    Deeper levels are loaded on demand (``unit_children``), so the page stays small
    at 7,000 units. A root with more than a page of children gets ``root.more_children``.
    """
    roots = list(unit_roots(user).order_by("path"))
    if not roots:
        return []
    # Bounded whatever the tree's size: a page of children per root (and one more to tell there are more).
    bound = (CHILDREN_PAGE_SIZE + 1) * len(roots)
    children = list(_children_of_many(user, roots, include_ended=include_ended)[:bound])
    hit_bound = len(children) == bound
    by_parent: dict[str, list[Unit]] = defaultdict(list)
    for child in children:
        by_parent[child.path[: -Unit.steplen]].append(child)
    shown = []
    for root in roots:
        kids = by_parent.get(root.path, [])
        root.expanded = True
        root.child_rows = kids[:CHILDREN_PAGE_SIZE]
        root.more_children = len(kids) > CHILDREN_PAGE_SIZE or (hit_bound and root.numchild > len(kids))
        shown.extend(root.child_rows)
    rows = units_with_counts(user, [*roots, *shown])
    if not include_ended:
        without_ended_children(user, rows)
    return roots


def unit_children(user, parent: Unit, *, include_ended: bool = True, page: int = 1) -> tuple[list[Unit], bool]:
    """One page of a unit's children with counts, and whether there are more."""
    start = (max(page, 1) - 1) * CHILDREN_PAGE_SIZE
    children = list(
        _children_of_many(user, [parent], include_ended=include_ended)[start : start + CHILDREN_PAGE_SIZE + 1]
    )
    has_more = len(children) > CHILDREN_PAGE_SIZE
    rows = units_with_counts(user, children[:CHILDREN_PAGE_SIZE])
    return (rows if include_ended else without_ended_children(user, rows)), has_more


# --- Search -------------------------------------------------------------------------------

# Each folded letter stands for its Vietnamese accented forms, so the database can
# pre-select candidates diacritic-insensitively with a regular expression (SQLite and
# PostgreSQL alike); combining marks are allowed after each letter for text stored
# decomposed (NFD).
_VARIANTS = {
    "a": "aàáảãạăằắẳẵặâầấẩẫậ",
    "d": "dđ",
    "e": "eèéẻẽẹêềếểễệ",
    "i": "iìíỉĩị",
    "o": "oòóỏõọôồốổỗộơờớởỡợ",
    "u": "uùúủũụưừứửữự",
    "y": "yỳýỷỹỵ",
}
_COMBINING = "[\u0300-\u036f]*"


def _word_pattern(word: str) -> str:
    parts = []
    for ch in word:
        variants = _VARIANTS.get(ch)
        if variants:
            parts.append(f"[{variants}{variants.upper()}]{_COMBINING}")
        else:
            parts.append(re.escape(ch) + _COMBINING)
    return "".join(parts)


def unit_search(
    user, query: str, *, include_ended: bool = True, limit: int = SEARCH_LIMIT, units: QuerySet | None = None
) -> list[Unit]:
    """Units in the user's scope whose name or code contains every word of ``query``, accents ignored.

    The database pre-selects with an accent-tolerant regular expression per word;
    the rows are then checked with ``fold`` on both sides, the same rule as the
    people search. Results come in tree order, with counts and ``parent_name``. ``units``: a narrower
    choice within the user's scope (``collaborators.filters.units_for``), the user's scope by default.
    """
    words = fold(query).split()
    if not words:
        return []
    if units is None:
        units = Unit.objects.visible_to(user)
    if not include_ended:
        units = _not_ended(units)
    for word in words:
        pattern = _word_pattern(word)
        units = units.filter(Q(name__iregex=pattern) | Q(code__iregex=pattern))
    candidates = list(units.order_by("path")[: limit * 2])
    found = [u for u in candidates if all(w in fold(f"{u.name} {u.code}") for w in words)][:limit]
    rows = units_with_counts(user, found)
    parent_paths = {u.path[: -Unit.steplen] for u in rows if u.depth > 1}
    names = dict(Unit.objects.filter(path__in=parent_paths).values_list("path", "name")) if parent_paths else {}
    for unit in rows:
        unit.parent_name = names.get(unit.path[: -Unit.steplen], "")
    return rows


def unit_branch(
    user, parent_id: int, *, include_ended: bool = True, limit: int = BRANCH_LIMIT, units: QuerySet | None = None
) -> list[Unit]:
    """The units right under a unit the user sees, in tree order (a branch the unit picker opens); nothing
    when that unit is out of scope or does not exist. ``units``: a narrower choice within the user's scope
    (``collaborators.filters.units_for``): the parent and the units listed are taken from it; the parent
    may have ended, the units listed only with ``include_ended``."""
    if units is None:
        units = Unit.objects.visible_to(user)
    parent = units.filter(pk=parent_id).only("path", "depth").first()
    if parent is None:
        return []
    rows = units.filter(path__startswith=parent.path, depth=parent.depth + 1)
    if not include_ended:
        rows = _not_ended(rows)
    return list(rows.order_by("path")[:limit])


def unit_pick_candidates(user, query: str, *, exclude: Unit | None = None, limit: int = PICK_LIMIT) -> list[Unit]:
    """Units in force with no end date, in scope, matching ``query``: the parent and successor pickers.

    ``exclude`` leaves out that unit's subtree (a unit cannot go under itself or merge into its own units).
    """
    rows = unit_search(user, query, include_ended=False, limit=limit * 2)
    rows = [u for u in rows if u.valid_to is None and u.is_current and (exclude is None or not u.is_within(exclude))]
    return rows[:limit]


# --- A unit's page ------------------------------------------------------------------------


def restructure_refusal(user, unit: Unit) -> str | None:
    """Why ``user`` may not move, dissolve or merge ``unit`` (a sentence for the page), or None if they may.

    Admins restructure the units under their own unit, never their own unit itself
    (that is for the administrators above them); superusers may restructure any unit.
    A unit that has already ended can no longer be restructured.
    """
    if not is_admin(user):
        return gettext("Only administrators can move, dissolve or merge units.")
    if not covers(user, [unit]):
        return gettext("%(name)s is outside your area.") % {"name": unit.name}
    if not user.is_superuser and unit.pk == user.unit_id:
        return gettext(
            "You cannot move, dissolve or merge your own unit (%(name)s). Ask an administrator of the unit above it."
        ) % {"name": unit.name}
    parent_path = unit.path[: -unit.steplen]
    if parent_path and not covers(user, [parent_path]):
        # Restructuring changes the branch the unit leaves as well: its parent must be in scope too.
        return gettext("%(name)s is outside your area.") % {"name": unit.name}
    if unit.valid_to is not None:
        # Dissolved or merged (its last day may still be ahead): its fate is settled.
        return gettext(
            "%(name)s has been dissolved or merged (last day in force: %(date)s); "
            "it can no longer be moved, dissolved or merged."
        ) % {"name": unit.name, "date": formats.date_format(unit.valid_to, "SHORT_DATE_FORMAT")}
    return None


def unit_permissions(user, unit: Unit) -> dict:
    """What the user may do to a unit already in their scope (drives the buttons on its page)."""
    manages = is_admin(user) and covers(user, [unit])
    return {
        "can_manage": manages,
        "can_restructure": restructure_refusal(user, unit) is None,
        "can_add_child": manages and unit.valid_to is None,
    }


def unit_page(user, unit: Unit, *, include_ended: bool = True) -> dict:
    """Everything a unit's page shows, narrowed to the user's scope."""
    ancestor_paths = unit.ancestor_paths(include_self=False)
    visible = Unit.objects.visible_to(user)
    ancestors = list(visible.filter(path__in=ancestor_paths).order_by("depth")) if ancestor_paths else []
    children, more_children = unit_children(user, unit, include_ended=include_ended)
    [row] = units_with_counts(user, [unit])
    return {
        "unit": row,
        "ancestors": ancestors,
        "children": children,
        "more_children": more_children,
        "predecessors": list(visible.filter(successors=unit).order_by("name")),
        "successors": list(visible.filter(predecessors=unit).order_by("name")),
        **unit_permissions(user, unit),
    }


# --- History ------------------------------------------------------------------------------

# Tree bookkeeping: a move shows through the change reason ("Moved under …"), not raw paths.
_HISTORY_HIDDEN_FIELDS = ["path", "depth", "numchild"]


def _display(field, value):
    if value is None or value == "":
        return ""
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if field.get_internal_type() == "DateField":
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return value


def unit_history(unit: Unit) -> list[dict]:
    """The unit's change records, newest first: who, when, why, and each field's old and new value."""
    records = list(unit.history.select_related("history_user").order_by("history_date", "history_id"))
    entries = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=_HISTORY_HIDDEN_FIELDS)
            for change in delta.changes:
                field = Unit._meta.get_field(change.field)
                changes.append(
                    {
                        "field": field.verbose_name,
                        "old": _display(field, change.old),
                        "new": _display(field, change.new),
                    }
                )
        entries.append({"record": record, "changes": changes})
        previous = record
    entries.reverse()
    return entries
