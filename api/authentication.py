"""How the API knows who is asking: a personal access token (``Authorization: Bearer onk_…``) or the
browser's session, with Django's CSRF check on writes (DRF's own session authentication)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from api import services


class AccessTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <secret>``: the token's person, with the token as ``request.auth``.

    A header that names a token which does not exist, was revoked or expired is a 401 (the secret
    is the credential; nothing is said about which of these it was). Every use is recorded.
    """

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            raw_key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from None
        token = services.token_for_key(raw_key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        services.token_use_record(token=token, request=request._request)
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser's session; DRF enforces the CSRF token on every unsafe method."""
