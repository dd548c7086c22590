"""Errors as the API answers them: the services' refusals are 400 with their (translated) messages, and a
service's "not yours" (Django's PermissionDenied) is a 404 like any object out of scope."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

# The framework's own messages that the API shows most, marked here so that the project's catalogue
# keeps their Vietnamese (the framework's Vietnamese catalogue has almost none of them).
FRAMEWORK_MESSAGES = (
    _("This field is required."),
    _("This field may not be null."),
    _("This field may not be blank."),
    _("Not a valid string."),
    _("A valid integer is required."),
    _("Must be a valid boolean."),
    _('"{input}" is not a valid choice.'),
    _("Ensure this field has no more than {max_length} characters."),
    _("Ensure this value is less than or equal to {max_value}."),
    _("Ensure this value is greater than or equal to {min_value}."),
    _("String value too large."),
    _("Date has wrong format. Use one of these formats instead: {format}."),
    _("Expected a date but got a datetime."),
    _("Null characters are not allowed."),
    _("Invalid data. Expected a dictionary, but got {datatype}."),
    _("Authentication credentials were not provided."),
    _("Incorrect authentication credentials."),
    _("You do not have permission to perform this action."),
    _("Not found."),
    _('Method "{method}" not allowed.'),
    _("Request was throttled."),
    _("Malformed request."),
    _('Unsupported media type "{media_type}" in request.'),
    _("Could not satisfy the request Accept header."),
    _("Invalid cursor"),
    _("Invalid page."),
)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)
