"""``{% follow_button "rumour" rumour %}``: the follow / stop-following button of a followable page (a
rumour, a unit, the dashboard narrowed to a topic or a focus policy), for staff only; one query."""

from django import template

from collaborators.access import home_unit
from follows.models import TARGETS, Subscription

register = template.Library()


@register.inclusion_tag("follows/_follow_button.html", takes_context=True)
def follow_button(context, kind, target):
    request = context.get("request")
    user = getattr(request, "user", None)
    if target is None or kind not in TARGETS or user is None or not user.is_authenticated or home_unit(user) is None:
        return {"shown": False}
    following = Subscription.objects.filter(user=user, kind=kind, **{TARGETS[kind]: target}).first()
    return {
        "shown": True,
        "kind": kind,
        "target": target,
        "following": following,
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
