"""Writes for units. Every change is kept by django-simple-history."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_update_with_history

from collaborators.access import covers, is_admin
from collaborators.models import Unit, User
from collaborators.selectors.units import restructure_refusal
from collaborators.signals import units_moved


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


@transaction.atomic
def unit_dissolve(*, actor: User, unit: Unit, on: date, reason: str) -> Unit:
    """Dissolve a unit: it stays readable, with ``valid_to = on`` (its last day in force).

    Preconditions: ``actor`` is an admin; ``unit`` lies strictly under the actor's own unit and has no
    end date yet (is not already dissolved or merged); ``on`` is not before the unit's start date; a
    reason is given; no unit under it is still in force after ``on`` and nobody belongs to it or to
    any unit under it (they must be moved or merged first).
    """
    _require_below_own_unit(actor, unit)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for the dissolution (for example the decision's number)."))
    _check_dates(unit.valid_from, on)
    children = _open_children(unit, on).order_by("name")
    if children.exists():
        raise ValidationError(
            _(
                "%(name)s cannot be dissolved: units under it are still in force (%(units)s). "
                "Move them to another unit or merge them first."
            )
            % {"name": unit.name, "units": _names(children)}
        )
    people = User.objects.filter(unit__path__startswith=unit.path).count()
    if people:
        raise ValidationError(
            ngettext(
                "%(name)s cannot be dissolved: %(count)d person still belongs to it or to a unit under it. "
                "Move them to another unit, or merge this unit into another one, first.",
                "%(name)s cannot be dissolved: %(count)d people still belong to it or to units under it. "
                "Move them to another unit, or merge this unit into another one, first.",
                people,
            )
            % {"name": unit.name, "count": people}
        )
    unit.valid_to = on
    _save_with_history(unit, actor=actor, reason=_reason(_("Dissolved:"), reason))
    return unit


@transaction.atomic
def unit_merge(*, actor: User, unit: Unit, successor: Unit, on: date, reason: str = "") -> Unit:
    """Merge a unit into a successor, which takes over its people and its units.

    Preconditions: ``actor`` is an admin; ``unit`` lies strictly under the actor's own unit and has no
    end date yet (is not already dissolved or merged); ``successor`` is in force with no end date,
    within the actor's subtree, and is neither ``unit`` nor a unit under it; ``on`` is not before
    the unit's start date.

    Side effects: the units directly under ``unit`` still in force after ``on`` move
    under ``successor`` (with their branches); everyone left in ``unit``'s subtree
    moves to ``successor``; ``unit`` ends on ``on`` and becomes a predecessor of
    ``successor``. The old unit keeps its row, dates and history, so it stays readable.
    Every changed unit and person gets a history record naming the actor.
    """
    _require_below_own_unit(actor, unit)
    _require_current_target(actor, successor)
    if successor.is_within(unit):
        if successor.pk == unit.pk:
            raise ValidationError(_("A unit cannot be merged into itself."))
        raise ValidationError(
            _("%(target)s is under %(name)s; choose a successor outside this branch.")
            % {"target": successor.name, "name": unit.name}
        )
    _check_dates(unit.valid_from, on)
    merged = _("Merged into %(code)s.") % {"code": successor.code}
    moved_children = []
    for child in list(_open_children(unit, on).order_by("path")):
        Unit.objects.move(child, successor, pos="last-child")
        child.refresh_from_db()
        moved = _("Moved from %(old)s to %(new)s (merger).") % {"old": unit.code, "new": successor.code}
        _save_with_history(child, actor=actor, reason=moved)
        moved_children.append(child)
    if moved_children:
        units_moved.send(sender=Unit, units=moved_children)
    unit.refresh_from_db()
    people = list(User.objects.filter(unit__path__startswith=unit.path))
    for person in people:
        person.unit = successor
    if people:
        bulk_update_with_history(
            people,
            User,
            ["unit"],
            default_user=actor,
            default_change_reason=_reason(
                _("Unit %(code)s merged into %(new)s.")
                % {
                    "code": unit.code,
                    "new": successor.code,
                }
            ),
        )
    unit.valid_to = on
    _save_with_history(unit, actor=actor, reason=_reason(merged, reason))
    successor.predecessors.add(unit)
    successor.refresh_from_db()
    _save_with_history(
        successor, actor=actor, reason=_reason(_("%(code)s merged into this unit.") % {"code": unit.code}, reason)
    )
    return unit
