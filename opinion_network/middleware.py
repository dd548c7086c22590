import logging
import time
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.sessions import middleware as sessions
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils import translation
from django.utils.cache import patch_cache_control


class DefaultLanguageMiddleware:
    """Activate the language the person chose, else Vietnamese.

    Django's LocaleMiddleware falls back to the browser's Accept-Language,
    which would show English to an officer whose phone is set to English.
    The federation works in Vietnamese, so only an explicit choice (the
    language switch sets the cookie) changes the language.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


# Errors that mean the database cannot be reached or has dropped the connection (or, for the same
# reason a retry helps, is too busy to answer): the request did not fail because of what was sent.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
# Seconds a client or proxy is told to wait before trying again.
RETRY_AFTER_SECONDS = 30
SESSION_STARTED_KEY = "_session_started_at"

logger = logging.getLogger(__name__)


def database_unavailable_response(request, exception):
    """The 503 page with Retry-After, and one warning line per request (not a traceback). Rendered
    without the request, so no context processor reads the database; never stored by a cache."""
    if not getattr(request, "_database_unavailable_logged", False):
        request._database_unavailable_logged = True
        logger.warning("database unavailable, answered 503: %s %s: %s", request.method, request.path, exception)
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    patch_cache_control(response, no_store=True)
    response._has_been_logged = True  # the warning above is the line; Django would add an error per request
    return response


def _signed_in(request):
    """Whether the request carries a signed-in person (reads the session, so the database)."""
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After, not a 500, when a view finds the database down.

    A 503 tells the proxy and the browser that the request may succeed later; the 500 page would say
    the site is broken and would log a traceback per request for the length of the outage.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        return database_unavailable_response(request, exception)


class SessionMiddleware(sessions.SessionMiddleware):
    """Django's session middleware, except that a session the database cannot load or save on the way
    out gives the 503 page instead of a 500 (every request of a signed-in person saves its session)."""

    def process_response(self, request, response):
        try:
            return super().process_response(request, response)
        except DATABASE_UNAVAILABLE as exc:
            # A response that already says the database is down (/healthz's JSON, the 503 page) stays.
            return response if response.status_code >= 500 else database_unavailable_response(request, exc)


class PrivateCacheMiddleware:
    """`Cache-Control: private, no-store` on every response to a signed-in person.

    Their pages name people, reports and rumours: no shared cache may keep them, and the browser must not
    keep them on disk either (a shared office computer, the back button after signing out). Anonymous
    pages and static files (answered by WhiteNoise before this runs) keep their own headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code >= 500:
            patch_cache_control(response, no_store=True)
            return response
        try:
            signed_in = _signed_in(request)
        except DATABASE_UNAVAILABLE:
            signed_in = True  # the person cannot be told: keep the response private
        if signed_in:
            patch_cache_control(response, private=True, no_store=True)
        return response


class SessionLifetimeMiddleware:
    """End a session SESSION_ABSOLUTE_SECONDS after the sign-in, however active it has been.

    The idle limit (SESSION_COOKIE_AGE, renewed by every request) ends forgotten sessions; this one ends
    sessions that are kept busy, so a stolen cookie or a phone left signed in does not last for ever.
    The time of the sign-in is kept in the session; signing out or a new sign-in clears it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            signed_in = _signed_in(request)
        except DATABASE_UNAVAILABLE:
            signed_in = False  # a view that needs the database answers 503; /healthz answers its JSON
        if signed_in:
            now = int(time.time())
            started = request.session.get(SESSION_STARTED_KEY)
            if started is None:
                request.session[SESSION_STARTED_KEY] = now
            elif now - started >= settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
        response = self.get_response(request)
        try:
            if SESSION_STARTED_KEY not in request.session and _signed_in(request):
                # Signed in during this request (the login view, an activation).
                request.session[SESSION_STARTED_KEY] = int(time.time())
        except DATABASE_UNAVAILABLE:
            pass  # the session cannot be saved either; the session middleware answers 503
        return response


def _raw_bytes(text: str) -> bytes:
    """The bytes a WSGI server put in an environ string (decoded as Latin-1), or the text's UTF-8."""
    try:
        return text.encode("iso-8859-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _unreadable(raw: bytes) -> bool:
    """Whether percent-decoded ``raw`` holds a NUL byte or is not UTF-8."""
    if b"\x00" in raw:
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


class UnreadableInputMiddleware:
    """Answer 400 to a request whose path, query string or form holds a NUL byte or bytes that are not
    UTF-8, before any view reads it.

    Nobody types such input: it comes from scanners and broken clients. Django would hand it on (NUL as a
    character, broken UTF-8 replaced by "\ufffd"), and PostgreSQL refuses NUL in text, so every search
    box, filter and export would need its own guard; one check here answers all of them with a message.
    A multipart form is checked field by field after parsing (its files are not read into memory), a
    URL-encoded form on its raw bytes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._unreadable(request):
            message = translation.gettext(
                "The request holds characters that cannot be read. Please check the address or what was typed."
            )
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _unreadable(request) -> bool:
        if _unreadable(_raw_bytes(request.META.get("PATH_INFO", request.path_info))):
            return True
        if _unreadable(unquote_to_bytes(_raw_bytes(request.META.get("QUERY_STRING", "")))):
            return True
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        content_type = request.content_type or ""
        if content_type == "application/x-www-form-urlencoded":
            return _unreadable(unquote_to_bytes(request.body))
        if content_type == "multipart/form-data":
            return any(
                "\x00" in key or any("\x00" in value for value in values) for key, values in request.POST.lists()
            )
        return False
