"""What every API view shares: the language of its messages, the object lookup by id, the filters."""

from django.http import Http404
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header
from django_filters.rest_framework import DjangoFilterBackend

from api.models import TokenScope
from core.ids import parse_id


def requested_language(request) -> str | None:
    """The first supported language of ``Accept-Language`` (a program says what it wants in the header; the
    pages' language cookie, already applied by the middleware, is the fallback, Vietnamese the default)."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in parse_accept_lang_header(header[:500]):
        if code == "*":
            return None
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return None


class ApiMixin:
    """Messages in the language asked for; writes need the token scope ``required_scope``."""

    required_scope = TokenScope.SUBMIT

    def initial(self, request, *args, **kwargs):
        language = requested_language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = translation.get_language()
        return response


def object_id(kwargs) -> int:
    """The ``pk`` of the URL through the one id parser: anything that is no database id is a 404."""
    pk = parse_id(str(kwargs.get("pk", "")))
    if pk is None:
        raise Http404
    return pk


class ScopedFilterBackend(DjangoFilterBackend):
    """django-filter for the API, giving the filter set the viewer when it narrows its choices by scope."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        if getattr(view, "filterset_needs_user", False):
            kwargs["user"] = request.user
        return kwargs
