from django.conf import settings
from django.utils import translation


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
