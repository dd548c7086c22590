"""Template helpers for the collaborator's report shortcuts."""

import uuid

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def new_report_token(context):
    """A fresh one-time token for a form that creates a report (see services.report_save).

    A page stored once rendered (the blank report form) passes ``new_token_placeholder``: the stored HTML
    carries it and each request puts a fresh token in its place.
    """
    return context.get("new_token_placeholder") or uuid.uuid4()
