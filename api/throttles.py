"""Request rates: per token for token requests, per person for session requests (the Django cache)."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import AccessToken


class PerTokenThrottle(SimpleRateThrottle):
    scope = "token"

    def get_rate(self):
        return settings.API_TOKEN_RATE

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, AccessToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class PerSessionThrottle(SimpleRateThrottle):
    scope = "session"

    def get_rate(self):
        return settings.API_SESSION_RATE

    def get_cache_key(self, request, view):
        if isinstance(request.auth, AccessToken) or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
