from django import template

register = template.Library()


@register.filter
def minutes(value):
    """A timedelta as whole minutes (at least 1)."""
    try:
        return max(1, int(value.total_seconds() // 60))
    except AttributeError:
        return value
