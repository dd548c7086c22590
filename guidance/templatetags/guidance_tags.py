from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("guidance/_partials/home_unread.html", takes_context=True)
def unread_guidance(context, limit=5):
    """The collaborator's unread guidance, newest first: the home page shows it before anything else."""
    user = context["request"].user
    return {"notes": selectors.unread_for(user, limit=limit)}
