from django import template

from guidance import selectors
from guidance.selectors import pulse as selectors_pulse

register = template.Library()


@register.inclusion_tag("guidance/_partials/home_unread.html", takes_context=True)
def unread_guidance(context, limit=5):
    """The collaborator's unread guidance, newest first: the home page shows it before anything else."""
    user = context["request"].user
    return {"notes": selectors.unread_for(user, limit=limit)}


@register.inclusion_tag("guidance/_partials/home_requests.html", takes_context=True)
def open_requests(context, limit=5):
    """Open requests for opinion the collaborator was asked in and has not answered, nearest deadline first."""
    user = context["request"].user
    return {"recipients": selectors_pulse.open_for(user, limit=limit)}
