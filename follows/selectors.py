from collaborators.access import home_unit
from collaborators.models import Unit
from follows.models import TARGETS, FollowKind, Subscription
from reports.models import FocusPolicy, Rumour, Topic

RUMOUR_CHOICES = 200


def follows_of(user):
    return (
        Subscription.objects.visible_to(user)
        .select_related("topic", "focus_policy", "unit", "rumour")
        .order_by("kind", "-created_at")
    )


def choices_for(user) -> dict:
    """What the person may follow: every topic and focus policy in use, the units and the latest rumours
    of their scope."""
    return {
        FollowKind.TOPIC: Topic.objects.filter(is_active=True).order_by("order", "name"),
        FollowKind.FOCUS_POLICY: FocusPolicy.objects.filter(is_active=True).order_by("name"),
        FollowKind.UNIT: Unit.objects.visible_to(user).order_by("path")[:500],
        FollowKind.RUMOUR: Rumour.objects.visible_to(user).order_by("-pk")[:RUMOUR_CHOICES],
    }


def personal_data(person) -> list[dict]:
    """What the person follows, and since when, for their own-data download."""
    return [
        {"what": s.kind, "what_label": s.get_kind_display(), "object": str(s.target), "created_at": s.created_at}
        for s in Subscription.objects.filter(user=person).select_related("topic", "focus_policy", "unit", "rumour")
    ]


KIND_OF = {
    Topic: FollowKind.TOPIC,
    FocusPolicy: FollowKind.FOCUS_POLICY,
    Unit: FollowKind.UNIT,
    Rumour: FollowKind.RUMOUR,
}


def follow_button(obj, viewer):
    """The follow button's block for ``obj`` on its page, or None (not followable, or not staff). One query."""
    kind = KIND_OF.get(type(obj))
    if kind is None or not viewer.is_authenticated or home_unit(viewer) is None:
        return None
    following = Subscription.objects.filter(user=viewer, kind=kind, **{TARGETS[kind]: obj}).first()
    return {
        "template": "follows/_follow_button.html",
        "data": {"kind": kind.value, "target_id": obj.pk, "following": following},
    }
