"""The last activity of a signed-in session, refreshed at most every few minutes."""

from django.db import InterfaceError, OperationalError

from privacy.services import session_touch


class SessionActivityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        try:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and hasattr(request, "session"):
                session_touch(request)
        except (OperationalError, InterfaceError):
            pass  # the database is down: the response already says so (503), the activity waits
        return response
