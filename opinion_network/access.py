"""Roles and scoping: the one rule every view follows (DESIGN §4).

Every queryset a view or form uses goes through the model's ``visible_to``
(``Unit.objects.visible_to(user)``, ``User.objects.visible_to(user)``, and
the same method on later apps' models). An object outside the user's scope
is a 404, never a 403 that would confirm it exists.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from collaborators.models import Role

STAFF_ROLES = (Role.STAFF, Role.ADMIN)


def home_role(user):
    """The role whose home page and navigation a person gets."""
    if user.is_superuser:
        return Role.ADMIN
    return user.role


def is_staff_or_admin(user):
    return user.is_authenticated and (user.is_superuser or user.role in STAFF_ROLES)


def is_admin(user):
    return user.is_authenticated and (user.is_superuser or user.role == Role.ADMIN)


def role_required(*roles):
    """Let a view through only for the given roles (superusers always pass).

    Anonymous users go to the login page; a logged-in person with another
    role gets 403: the page exists for everyone, only the role is wrong.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (user.is_superuser or user.role in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def get_visible_or_404(model_or_queryset, user, **lookup):
    """Fetch one object through its model's ``visible_to``; out of scope is 404."""
    queryset = getattr(model_or_queryset, "objects", model_or_queryset)
    return get_object_or_404(queryset.visible_to(user), **lookup)


def staff_or_404(view):
    """For pages that exist only for staff and admins (dashboards, summaries): others get 404.

    A collaborator is not told such pages exist; anonymous people go to the login page.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_or_admin(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
