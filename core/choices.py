"""A field's choice labels, read from a dict kept per model, field and language.

Django's ``get_FOO_display()`` rebuilds its dict of choices on every call, translating and hashing every
label: on a list of 50 rows showing two labelled fields that is 700 translations, a sixth of the roster's
rendering. The labels of a field are fixed by the code, so they are built once per language here.
"""

import functools

from django.utils.translation import get_language


@functools.cache
def _labels(model, field_name: str, language: str | None) -> dict:
    field = model._meta.get_field(field_name)
    return {value: str(label) for value, label in field.flatchoices}


def labels(model, field_name: str) -> dict:
    """``{value: label}`` of ``model.field_name``'s choices in the active language."""
    return _labels(model._meta.concrete_model, field_name, get_language())


def display(obj, field_name: str):
    """What ``obj.get_<field_name>_display()`` returns (the value itself when it is no choice), from the
    kept labels; ``""`` for no object (a missing related row in a template)."""
    meta = getattr(obj, "_meta", None)
    if meta is None:
        return ""
    value = getattr(obj, field_name)
    return labels(meta.model, field_name).get(value, value)
