"""Roles, scopes and permission levels: the one access rule every page, form, notification and export follows.

A person's **scope** is a set of units:

- anonymous people and deactivated accounts: nothing;
- superusers: every unit;
- staff and admins: their unit and everything under it (their *home unit*'s subtree); a staff or admin
  account without a unit has no scope at all and sees nothing;
- collaborators: what is theirs (their reports, their registrations) and what was addressed to their
  unit or a unit above it (guidance, trainings, listed rumours).

Each model's queryset inherits :class:`ScopedQuerySet` and declares only how a row reaches the path of
its unit (``unit_path``) and, where collaborators see their own rows, the field naming the person
(``owner``). The preamble above is written here once. ``visible_to(user)`` is for reading,
``manageable_by(user)`` for acting. An object outside the reader's scope is a 404, never a 403 that
would confirm it exists.

**Actions at the right level**: an action whose effect is seen in other units (a rumour's verdict, a
merge of rumours, targeting guidance, issuing a summary, moving units) is allowed only when the actor's
scope covers every unit it affects: :func:`covers` and :func:`require_cover`.

This module imports no models at load time, so the models of every app can build on it.
"""

from collections.abc import Iterable
from functools import wraps

from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COLLABORATOR = "collaborator", _("Collaborator")
    STAFF = "staff", _("Staff")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = (Role.STAFF, Role.ADMIN)


# --- Who is who ------------------------------------------------------------------------------------


def is_active_person(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def is_staff_or_admin(user) -> bool:
    """Staff or admin by role (superusers count as admins). Says nothing about scope: see ``home_unit``."""
    return is_active_person(user) and (user.is_superuser or user.role in STAFF_ROLES)


def is_admin(user) -> bool:
    return is_active_person(user) and (user.is_superuser or user.role == Role.ADMIN)


def is_collaborator(user) -> bool:
    return is_active_person(user) and not user.is_superuser and user.role == Role.COLLABORATOR


def home_role(user):
    """The role whose home page and navigation a person gets."""
    if user.is_superuser:
        return Role.ADMIN
    return user.role


def home_unit(user):
    """The unit whose subtree a staff page shows by default, or None when the person has no staff scope.

    Superusers get the root of the tree; staff and admins their own unit; everyone else (collaborators,
    staff without a unit) None, and staff pages answer them 404.
    """
    if not is_staff_or_admin(user):
        return None
    if user.is_superuser:
        # The unit model reached through the person's own field: the models import this module, so it
        # imports none of them (not even inside a function).
        Unit = user._meta.get_field("unit").related_model  # noqa: N806
        return user.unit or Unit.objects.filter(depth=1).order_by("path").first()
    return user.unit


def scope_path(user) -> str | None:
    """The path prefix of a person's staff scope: "" for everything (superusers), None for no staff scope."""
    if not is_staff_or_admin(user):
        return None
    if user.is_superuser:
        return ""
    unit = user.unit
    return unit.path if unit is not None else None


def covers(user, units: Iterable) -> bool:
    """True when the person's staff scope contains every one of ``units`` (Unit objects or paths).

    An empty list is covered only by a person who has a staff scope at all.
    """
    prefix = scope_path(user)
    if prefix is None:
        return False
    return all((getattr(u, "path", u) or "").startswith(prefix) for u in units)


def require_cover(user, units: Iterable) -> None:
    """Raise 404 unless the person's scope covers every unit an action affects (see ``covers``)."""
    if not covers(user, units):
        raise Http404


# --- The scoped queryset base ----------------------------------------------------------------------


class ScopedQuerySet(models.QuerySet):
    """The one place where the anonymous / superuser / staff / collaborator preamble is written.

    Subclasses set ``unit_path`` (the lookup from a row to its unit's ``path``) and ``owner`` (the
    lookup naming the person whose row it is, for collaborators), and override ``for_staff`` /
    ``for_collaborator`` / ``managed_by_staff`` only when their rule is richer than a subtree filter.
    """

    unit_path: str | None = "unit__path"
    owner: str | None = None
    # Roles allowed to act (manageable_by); reading follows ``visible_to``.
    manager_roles: tuple = STAFF_ROLES

    # -- reading
    def visible_to(self, user):
        if not is_active_person(user):
            return self.none()
        if user.is_superuser:
            return self.for_superuser(user)
        if user.role in STAFF_ROLES:
            unit = user.unit
            if unit is None:
                return self.none()
            return self.for_staff(user, unit)
        return self.for_collaborator(user)

    def for_superuser(self, user):
        return self.all()

    def for_staff(self, user, unit):
        return self.in_subtree(unit.path)

    def for_collaborator(self, user):
        if self.owner is None:
            return self.none()
        return self.filter(**{self.owner: user})

    def in_subtree(self, path: str):
        if self.unit_path is None:
            return self.none()
        return self.filter(**{f"{self.unit_path}__startswith": path})

    # -- acting
    def manageable_by(self, user):
        if not is_active_person(user):
            return self.none()
        if user.is_superuser:
            return self.for_superuser(user)
        if user.role not in self.manager_roles or user.unit is None:
            return self.none()
        return self.managed_by_staff(user, user.unit)

    def managed_by_staff(self, user, unit):
        return self.in_subtree(unit.path)


# --- Views -----------------------------------------------------------------------------------------


def _to_login(next_url):
    # Imported here: django.contrib.auth.views loads the user model, which builds on this module.
    from django.contrib.auth.views import redirect_to_login

    return redirect_to_login(next_url)


def role_required(*roles):
    """Let a view through only for the given roles (superusers always pass).

    Anonymous users go to the login page. Anyone else whose role is not listed, and staff or admins
    without a unit (they have no scope), get 404: a page a person may not use does not exist for them.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return _to_login(request.get_full_path())
            if not user.is_superuser:
                if user.role not in roles:
                    raise Http404
                if user.role in STAFF_ROLES and user.unit_id is None:
                    raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def get_visible_or_404(model_or_queryset, user, **lookup):
    """Fetch one object through its model's ``visible_to``; out of scope is 404."""
    queryset = getattr(model_or_queryset, "objects", model_or_queryset)
    return get_object_or_404(queryset.visible_to(user), **lookup)


def get_manageable_or_404(model_or_queryset, user, **lookup):
    """Fetch one object the person may act on, through its model's ``manageable_by``; otherwise 404."""
    queryset = getattr(model_or_queryset, "objects", model_or_queryset)
    return get_object_or_404(queryset.manageable_by(user), **lookup)


def staff_or_404(view):
    """For pages that exist only for people with a staff scope (dashboards, summaries, compliance).

    Collaborators and staff without a unit get 404 (they are not told such pages exist); anonymous
    people go to the login page.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _to_login(request.get_full_path())
        if home_unit(request.user) is None:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
