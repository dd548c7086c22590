"""Template helpers for the collaborator's report shortcuts."""

import uuid

from django import template

register = template.Library()


@register.simple_tag
def new_report_token():
    """A fresh one-time token for a form that creates a report (see services.report_save)."""
    return uuid.uuid4()
