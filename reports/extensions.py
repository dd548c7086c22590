"""Hooks through which higher apps take part in the report form without this app importing them.

``settings.REPORT_FORM_EXTENSIONS`` lists dotted paths to objects with two methods:

- ``prepare(*, user, params, report) -> dict | None``: called when the form is shown or re-shown, with the
  query string (GET) or the posted data (POST) and the report being edited (or None). It returns None
  when it has nothing to add, or ``{"initial": {...}, "template": "...", "context": {...}}``: initial values
  for a new report and a template included inside the form (it may carry hidden inputs). It may raise Http404.
- ``record(*, user, params, report)``: called in the form's transaction after the report is saved (or sent);
  raising ValidationError shows the message on the form and rolls everything back.
"""

from django.conf import settings
from django.utils.module_loading import import_string


def form_extensions() -> list:
    return [import_string(path) for path in getattr(settings, "REPORT_FORM_EXTENSIONS", [])]


def prepare_all(*, user, params, report) -> list[dict]:
    prepared = []
    for extension in form_extensions():
        extra = extension.prepare(user=user, params=params, report=report)
        if extra:
            prepared.append(extra)
    return prepared


def record_all(*, user, params, report) -> None:
    for extension in form_extensions():
        extension.record(user=user, params=params, report=report)
