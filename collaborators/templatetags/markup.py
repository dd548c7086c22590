"""``{{ text|markup }}``: a text written with light formatting (Markdown), as safe HTML (``core.markup``)."""

from django import template
from django.utils.safestring import mark_safe

from core.markup import render_html, render_text

register = template.Library()


@register.filter
def markup(text):
    """Paragraphs, lists, links and emphasis kept; sanitised by nh3, so the result is safe to show."""
    return mark_safe(render_html(text))  # noqa: S308 - render_html sanitises with a whitelist of tags


@register.filter
def markup_text(text):
    """The same as plain text, as e-mails and notifications carry it."""
    return render_text(text)
