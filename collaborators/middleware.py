"""The gate after the password: the second factor, then a new version of the personal-data consent. One
place for every page, the Django admin included."""

from urllib.parse import urlencode

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.shortcuts import redirect
from django.urls import reverse

from collaborators.services.security import (
    CONSENT_CHECKED,
    TWO_FACTOR_NOT_NEEDED,
    TWO_FACTOR_VERIFIED,
    consent_renewal_needed,
    two_factor_enabled,
    two_factor_required,
)

# Pages a signed-in person may open before the second factor: the second factor's own pages, signing
# out, the language switch and what every page loads (the translations' script, the app's files).
OPEN_BEFORE_SECOND_FACTOR = {
    "two_factor_verify",
    "two_factor_enrol",
    "logout",
    "set_language",
    "javascript-catalog",
    "healthz",
    "manifest",
    "service_worker",
    "offline",
}
OPEN_BEFORE_CONSENT = OPEN_BEFORE_SECOND_FACTOR | {"consent_renew"}


class TwoFactorMiddleware:
    """After the password, staff and admins (and collaborators who turned it on) must pass the second
    factor before any other page: those with an app are sent to enter a code, those without to set one
    up. What the session already knows is read from it, so a verified session costs no query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        try:
            return self._check(request)
        except (OperationalError, InterfaceError):
            # The session or the person cannot be read: nobody is signed in as far as this request can
            # tell, and any page that needs the person reads the database and answers 503 itself.
            return None

    def _check(self, request):
        session = getattr(request, "session", None)
        if session is None:
            return None
        if session.get(TWO_FACTOR_VERIFIED) or session.get(TWO_FACTOR_NOT_NEEDED):
            return self._consent(request, session)
        user = request.user
        if not user.is_authenticated:
            return None
        match = request.resolver_match
        if match is not None and match.url_name in OPEN_BEFORE_SECOND_FACTOR and not match.namespace:
            return None
        enabled = two_factor_enabled(user)
        if not enabled and not two_factor_required(user):
            session[TWO_FACTOR_NOT_NEEDED] = True
            return self._consent(request, session)
        return _to("two_factor_verify" if enabled else "two_factor_enrol", request)

    @staticmethod
    def _consent(request, session):
        """A person who consented to an earlier version of the personal-data notice is asked again, once
        per session, before any page (withdrawing is one of the answers)."""
        if session.get(CONSENT_CHECKED) == settings.PERSONAL_DATA_CONSENT_VERSION:
            return None
        user = request.user
        if not user.is_authenticated:
            return None
        match = request.resolver_match
        if match is not None and match.url_name in OPEN_BEFORE_CONSENT and not match.namespace:
            return None
        if not consent_renewal_needed(user):
            session[CONSENT_CHECKED] = settings.PERSONAL_DATA_CONSENT_VERSION
            return None
        return _to("consent_renew", request)


def _to(name, request):
    target = reverse(name)
    if request.method == "GET":
        target = f"{target}?{urlencode({'next': request.get_full_path()})}"
    return redirect(target)
