"""What a request may do: signed in, and with a token only within the token's scopes.

Objects still come from ``visible_to`` / ``manageable_by`` in each view, so an object out of scope is a
404. A token without the scope an endpoint needs gets 403: it says what the token may do, never whether
an object exists. Reading needs ``read``; each writing view names the scope it needs (``required_scope``).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from api.models import AccessToken, TokenScope


class TokenScopePermission(permissions.IsAuthenticated):
    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        token = request.auth
        if not isinstance(token, AccessToken):
            return True  # the session: the person's own rights, as on the pages
        needed = TokenScope.READ if request.method in permissions.SAFE_METHODS else view.required_scope
        if token.allows(needed):
            return True
        self.message = _("This access token does not have the “%(scope)s” scope.") % {"scope": needed}
        return False


class PublicPermission(permissions.AllowAny):
    """The schema and its documentation: the same for everyone."""
