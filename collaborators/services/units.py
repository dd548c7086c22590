"""Writes for units. Every change is kept by django-simple-history."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_update_with_history

from collaborators.access import covers, is_admin
from collaborators.models import Unit, UnitMove, User
from collaborators.selectors.units import restructure_refusal
from collaborators.signals import unit_ended, units_moved


@transaction.atomic
def unit_create(
    *,
    parent: Unit | None,
    kind: str,
    code: str,
    name: str,
    valid_from: date | None = None,
    valid_to: date | None = None,
    member_count: int = 0,
) -> Unit:
    """Create a unit under ``parent`` (a root when ``parent`` is None)."""
    fields = {
        "kind": kind,
        "code": code,
        "name": name,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "member_count": member_count,
    }
    if parent is None:
        return Unit.objects.add_root(fields)
    # treebeard locks and re-reads the parent row, so concurrent inserts
    # under one parent cannot compute the same path.
    return Unit.objects.add_child(parent, fields)


@transaction.atomic
def unit_get_or_create(*, parent: Unit | None, code: str, **fields) -> tuple[Unit, bool]:
    unit = Unit.objects.filter(code=code).first()
    if unit is not None:
        return unit, False
    return unit_create(parent=parent, code=code, **fields), True


# --- Admin actions -------------------------------------------------------------------------
#
# Each action records who did it and why in the unit's history (django-simple-history):
# ``_history_user`` and ``_change_reason`` are set on the instance before it is saved, so
# the record is right inside and outside a request.

REASON_MAX_LENGTH = 100  # the historical tables' change-reason column


def _reason(*parts: str) -> str:
    text = " ".join(part.strip() for part in parts if part and part.strip())
    if len(text) > REASON_MAX_LENGTH:
        text = text[: REASON_MAX_LENGTH - 1] + "…"
    return text


def _save_with_history(unit: Unit, *, actor: User | None, reason: str = "") -> None:
    unit._history_user = actor
    unit._change_reason = _reason(reason) or None
    unit.save()


def _require_admin(actor: User) -> None:
    if not is_admin(actor):
        raise PermissionDenied


def _require_in_scope(actor: User, unit: Unit) -> None:
    _require_admin(actor)
    if not covers(actor, [unit]):
        raise ValidationError(_("%(name)s is outside your area.") % {"name": unit.name})


def _require_below_own_unit(actor: User, unit: Unit) -> None:
    """Admins restructure the units under their own unit, never their own unit itself; the unit and the
    parent it leaves must both lie in their scope (``restructure_refusal`` says why not)."""
    _require_admin(actor)
    refusal = restructure_refusal(actor, unit)
    if refusal:
        raise ValidationError(refusal)


def _require_current_target(actor: User, target: Unit) -> None:
    """The unit that receives a branch (new parent, successor) must lie in the actor's scope and be in force."""
    if not covers(actor, [target]):
        raise ValidationError(_("%(name)s is outside your area.") % {"name": target.name})
    if not target.is_current:
        raise ValidationError(_("%(name)s is not in force today; choose a unit in force.") % {"name": target.name})
    if target.valid_to is not None:
        raise ValidationError(
            _("%(name)s has been dissolved or merged (last day in force: %(date)s); choose a unit that continues.")
            % {"name": target.name, "date": _date(target.valid_to)}
        )


def _date(value: date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _check_code(code: str, *, unit: Unit | None = None) -> str:
    code = code.strip()
    if not code:
        raise ValidationError(_("Enter the unit's code."))
    others = Unit.objects.filter(code__iexact=code)
    if unit is not None:
        others = others.exclude(pk=unit.pk)
    other = others.first()
    if other is not None:
        raise ValidationError(
            _("Another unit already has the code %(code)s: %(name)s.") % {"code": other.code, "name": other.name}
        )
    return code


def _check_dates(valid_from: date | None, valid_to: date | None) -> None:
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        raise ValidationError(
            _("The end date (%(end)s) cannot be before the start date (%(start)s).")
            % {"end": _date(valid_to), "start": _date(valid_from)}
        )


@transaction.atomic
def unit_add(
    *,
    actor: User,
    parent: Unit | None,
    kind: str,
    code: str,
    name: str,
    valid_from: date | None = None,
    member_count: int = 0,
    reason: str = "",
) -> Unit:
    """Create a unit on an admin's behalf, recording them as its author.

    Preconditions: ``actor`` is an admin (or a superuser); ``parent`` is in force, has no end
    date, and lies within the actor's subtree (the actor's own unit included); only superusers may
    create a root (``parent`` None); ``code`` is not used by another unit (case ignored).
    """
    _require_admin(actor)
    if parent is None:
        if not actor.is_superuser:
            raise ValidationError(_("Choose the unit the new unit belongs to."))
    else:
        _require_current_target(actor, parent)
    code = _check_code(code)
    unit = Unit(
        kind=kind,
        code=code,
        name=name.strip(),
        valid_from=valid_from,
        member_count=member_count,
    )
    unit._history_user = actor
    unit._change_reason = _reason(reason) or None
    if parent is None:
        return Unit.objects.add_root(instance=unit)
    return Unit.objects.add_child(parent, instance=unit)


@transaction.atomic
def unit_update(
    *,
    actor: User,
    unit: Unit,
    name: str,
    code: str,
    kind: str,
    valid_from: date | None,
    member_count: int,
    reason: str = "",
) -> Unit:
    """Change a unit's name, code, kind, start date or member count.

    Preconditions: ``actor`` is an admin with ``unit`` in their subtree (their own unit
    included); the code is not used by another unit; the start date is not after the
    unit's end date. Nothing is written when nothing changes.
    """
    _require_in_scope(actor, unit)
    code = _check_code(code, unit=unit)
    _check_dates(valid_from, unit.valid_to)
    values = {
        "name": name.strip(),
        "code": code,
        "kind": kind,
        "valid_from": valid_from,
        "member_count": member_count,
    }
    if all(getattr(unit, field) == value for field, value in values.items()):
        return unit
    for field, value in values.items():
        setattr(unit, field, value)
    _save_with_history(unit, actor=actor, reason=reason)
    return unit


@transaction.atomic
def unit_move(*, actor: User, unit: Unit, new_parent: Unit, reason: str = "") -> Unit:
    """Move a unit, with everything under it, under another unit.

    Preconditions: ``actor`` is an admin; ``unit`` lies strictly under the actor's own unit and has no
    end date yet (is not already dissolved or merged); ``new_parent`` is in force with no end date,
    within the actor's subtree, is not ``unit`` or one of its descendants, and is not already its
    parent. Side effects: the paths of the whole branch change (people and reports follow, since
    scoping reads paths); the unit's history records the move and its author.
    """
    _require_below_own_unit(actor, unit)
    _require_current_target(actor, new_parent)
    if new_parent.is_within(unit):
        if new_parent.pk == unit.pk:
            message = _("A unit cannot be moved under itself.")
        else:
            message = _(
                "%(target)s is one of the units under %(name)s, so %(name)s cannot be moved under it. "
                "Choose a unit outside this branch."
            ) % {"target": new_parent.name, "name": unit.name}
        raise ValidationError(message)
    old_parent = Unit.objects.get_parent(unit, update=True)
    if old_parent is not None and old_parent.pk == new_parent.pk:
        raise ValidationError(
            _("%(name)s is already directly under %(parent)s.")
            % {
                "name": unit.name,
                "parent": new_parent.name,
            }
        )
    Unit.objects.move(unit, new_parent, pos="last-child")
    unit.refresh_from_db()
    units_moved.send(sender=Unit, units=[unit])
    moved = _("Moved from %(old)s to %(new)s.") % {
        "old": old_parent.code if old_parent else "—",
        "new": new_parent.code,
    }
    _save_with_history(unit, actor=actor, reason=_reason(moved, reason))
    return unit


def _open_children(unit: Unit, on: date):
    """Units directly under ``unit`` still in force after ``on``."""
    return Unit.objects.filter(depth=unit.depth + 1, path__startswith=unit.path).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=on)
    )


def _names(units, limit: int = 5) -> str:
    names = [u.name for u in units[: limit + 1]]
    text = ", ".join(names[:limit])
    return text + ("…" if len(names) > limit else "")


@dataclass(frozen=True)
class Successor:
    """One successor of an ending unit: the unit in force that takes over ``children`` (units directly under
    the ending unit, with their branches) and ``people`` (people of the ending unit's subtree outside those
    branches)."""

    unit: Unit
    children: tuple[Unit, ...] = ()
    people: tuple[User, ...] = ()


def _require_successor(actor: User, unit: Unit, successor: Unit) -> None:
    _require_current_target(actor, successor)
    if successor.is_within(unit):
        if successor.pk == unit.pk:
            raise ValidationError(_("A unit cannot be merged into itself."))
        raise ValidationError(
            _("%(target)s is under %(name)s; choose a successor outside this branch.")
            % {"target": successor.name, "name": unit.name}
        )


def _left_behind(unit: Unit, on: date, moving_children) -> tuple[list[Unit], list[User]]:
    """The open units directly under ``unit`` and the people of its subtree who are not in one of
    ``moving_children``'s branches: what the successors must take over before ``unit`` may end."""
    children = list(_open_children(unit, on).order_by("name"))
    moving = [child.path for child in moving_children]
    people = [
        person
        for person in User.objects.filter(unit__path__startswith=unit.path).select_related("unit").order_by("pk")
        if not any(person.unit.path.startswith(path) for path in moving)
    ]
    return children, people


@transaction.atomic
def unit_end(*, actor: User, unit: Unit, on: date, reason: str = "", successors: list[Successor]) -> Unit:
    """End a unit on ``on`` (its last day in force), handing its branches and people to its successors.

    The one service behind dissolution (no successor), merger (one successor taking everything) and
    split (several successors, each taking the sub-units and people chosen for it).

    Preconditions: ``actor`` is an admin; ``unit`` lies strictly under the actor's own unit and has no end
    date yet; ``on`` is not before its start date; every successor is in force with no end date, within the
    actor's subtree, outside ``unit``'s branch, and named once; each sub-unit given is a unit directly
    under ``unit`` still in force after ``on`` and each person given belongs to ``unit``'s subtree, each
    given to one successor only; together they cover every sub-unit still in force and every person of
    the subtree outside the sub-units handed over (nothing is left in an ended unit).

    Side effects: the sub-units move under their successor (their history, and a ``UnitMove`` fact dated
    the day after ``on``, so figures before the split stay with the old unit); the people move to theirs
    (history); ``unit`` ends on ``on`` and becomes a predecessor of each successor (both histories);
    ``units_moved`` (the summaries recount the moved branches) and ``unit_ended`` (the reports app moves
    the open reports of the people who moved directly) are sent.
    """
    _require_below_own_unit(actor, unit)
    _check_dates(unit.valid_from, on)
    seen_units: set[int] = set()
    for successor in successors:
        _require_successor(actor, unit, successor.unit)
        if successor.unit.pk in seen_units:
            raise ValidationError(_("%(name)s is named twice as a successor.") % {"name": successor.unit.name})
        seen_units.add(successor.unit.pk)
    all_children = [child for successor in successors for child in successor.children]
    all_people = [person for successor in successors for person in successor.people]
    open_children, people_left = _left_behind(unit, on, all_children)
    open_ids = {child.pk for child in open_children}
    if len({child.pk for child in all_children}) != len(all_children) or len({p.pk for p in all_people}) != len(
        all_people
    ):
        raise ValidationError(_("Give each unit and each person to one successor only."))
    stray = [child for child in all_children if child.pk not in open_ids]
    if stray:
        raise ValidationError(
            _("%(units)s is not a unit directly under %(name)s still in force.")
            % {"units": _names(stray), "name": unit.name}
        )
    left_ids = {person.pk for person in people_left}
    stray_people = [person for person in all_people if person.pk not in left_ids]
    if stray_people:
        raise ValidationError(
            _("%(people)s does not belong to %(name)s.")
            % {"people": ", ".join(p.get_full_name() for p in stray_people[:5]), "name": unit.name}
        )
    given = {child.pk for child in all_children}
    children_left = [child for child in open_children if child.pk not in given]
    placed = {person.pk for person in all_people}
    people_unplaced = [person for person in people_left if person.pk not in placed]
    if not successors and children_left:
        raise ValidationError(
            _(
                "%(name)s cannot be dissolved: units under it are still in force (%(units)s). "
                "Move them to another unit or merge them first."
            )
            % {"name": unit.name, "units": _names(children_left)}
        )
    if not successors and people_unplaced:
        count = len(people_unplaced)
        raise ValidationError(
            ngettext(
                "%(name)s cannot be dissolved: %(count)d person still belongs to it or to a unit under it. "
                "Move them to another unit, or merge this unit into another one, first.",
                "%(name)s cannot be dissolved: %(count)d people still belong to it or to units under it. "
                "Move them to another unit, or merge this unit into another one, first.",
                count,
            )
            % {"name": unit.name, "count": count}
        )
    if children_left:
        raise ValidationError(
            _("Choose a successor for each unit under %(name)s still in force: %(units)s.")
            % {"name": unit.name, "units": _names(children_left)}
        )
    if people_unplaced:
        raise ValidationError(
            _("Choose a successor for each person of %(name)s: %(people)s.")
            % {"name": unit.name, "people": ", ".join(p.get_full_name() for p in people_unplaced[:5])}
        )

    first_day = on + timedelta(days=1)
    moved_children = []
    placements: dict[int, Unit] = {}
    for successor in successors:
        target = successor.unit
        for child in sorted(successor.children, key=lambda c: c.path):
            child.refresh_from_db()
            Unit.objects.move(child, target, pos="last-child")
            child.refresh_from_db()
            UnitMove.objects.create(unit=child, old_parent=unit, new_parent=target, moved_on=first_day, moved_by=actor)
            moved = _("Moved from %(old)s to %(new)s (%(how)s).") % {
                "old": unit.code,
                "new": target.code,
                "how": _("merger") if len(successors) == 1 else _("split"),
            }
            _save_with_history(child, actor=actor, reason=moved)
            moved_children.append(child)
        people = list(successor.people)
        for person in people:
            person.unit = target
            placements[person.pk] = target
        if people:
            bulk_update_with_history(
                people,
                User,
                ["unit"],
                default_user=actor,
                default_change_reason=_reason(
                    _("Unit %(code)s ended; moved to its successor %(new)s.") % {"code": unit.code, "new": target.code}
                ),
            )
    if moved_children:
        units_moved.send(sender=Unit, units=moved_children)
    unit.refresh_from_db()
    unit.valid_to = on
    if not successors:
        ended = _("Dissolved:")
    elif len(successors) == 1:
        ended = _("Merged into %(code)s.") % {"code": successors[0].unit.code}
    else:
        ended = _("Split into %(codes)s.") % {"codes": ", ".join(s.unit.code for s in successors)}
    _save_with_history(unit, actor=actor, reason=_reason(ended, reason))
    for successor in successors:
        target = successor.unit
        target.predecessors.add(unit)
        target.refresh_from_db()
        took_over = (
            _("%(code)s merged into this unit.") if len(successors) == 1 else _("Took over part of %(code)s (split).")
        ) % {"code": unit.code}
        _save_with_history(target, actor=actor, reason=_reason(took_over, reason))
    unit_ended.send(sender=Unit, unit=unit, on=on, successors=[s.unit for s in successors], placements=placements)
    return unit


def unit_dissolve(*, actor: User, unit: Unit, on: date, reason: str) -> Unit:
    """Dissolve a unit: it stays readable, with ``valid_to = on`` (its last day in force).

    Preconditions: those of ``unit_end`` with no successor, and a reason is given (nothing under it is
    still in force after ``on`` and nobody belongs to its subtree: they must be moved or merged first).
    """
    _require_below_own_unit(actor, unit)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for the dissolution (for example the decision's number)."))
    return unit_end(actor=actor, unit=unit, on=on, reason=reason, successors=[])


def unit_merge(*, actor: User, unit: Unit, successor: Unit, on: date, reason: str = "") -> Unit:
    """Merge a unit into a successor, which takes over its people and its units (``unit_end`` with one
    successor taking every sub-unit still in force after ``on`` and everyone left in the subtree)."""
    _require_below_own_unit(actor, unit)
    _require_successor(actor, unit, successor)
    children, _people = _left_behind(unit, on, [])
    _children, people = _left_behind(unit, on, children)
    return unit_end(
        actor=actor,
        unit=unit,
        on=on,
        reason=reason,
        successors=[Successor(unit=successor, children=tuple(children), people=tuple(people))],
    )


def unit_split(*, actor: User, unit: Unit, on: date, parts: list[Successor], reason: str = "") -> Unit:
    """Split a unit into several successors (``unit_end``), each taking the sub-units and people chosen."""
    _require_below_own_unit(actor, unit)
    if len(parts) < 2:
        raise ValidationError(_("A split needs at least two successors; to hand everything to one, merge."))
    return unit_end(actor=actor, unit=unit, on=on, reason=reason, successors=parts)


def split_candidates(unit: Unit, on: date) -> tuple[list[Unit], list[User]]:
    """The sub-units and people a split of ``unit`` on ``on`` must hand over (for the split form): the
    people are those outside the sub-units' branches (the others go with their sub-unit)."""
    children, _people = _left_behind(unit, on, [])
    return children, _left_behind(unit, on, children)[1]
