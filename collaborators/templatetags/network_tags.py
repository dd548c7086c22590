from django import template

from core import choices

register = template.Library()


@register.filter
def minutes(value):
    """A timedelta as whole minutes (at least 1)."""
    try:
        return max(1, int(value.total_seconds() // 60))
    except AttributeError:
        return value


@register.filter
def display(obj, field_name):
    """``{{ person.profile|display:"status" }}``: a field's choice label, as ``get_status_display`` gives it,
    from labels kept per language (``core.choices``): for lists, where the method's cost adds up."""
    return choices.display(obj, field_name)
