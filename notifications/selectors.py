"""Reads for the outbox: a person's notifications, only while they can still open what each is about."""

from django.apps import apps
from django.db.models import Q

from notifications.models import Notification


def _scoped_models():
    """The models a notification can be about: those whose rows are read through ``visible_to``."""
    return [model for model in apps.get_models() if hasattr(model._default_manager, "visible_to")]


def _openable(user, rows):
    """``rows`` without those about an object the person cannot open now.

    No query of its own: one subquery per scoped model, each limited to the person's own rows about
    that model, so the list, the home page and the unread count stay one query each.
    """
    # A row about nothing in particular shows only without a link (rows written before notifications named
    # their objects, whose link matched no known page, are hidden rather than trusted).
    condition = Q(about_model="", link="")
    own = Notification.objects.filter(recipient=user)
    for model in _scoped_models():
        label = model._meta.label_lower
        mine = own.filter(about_model=label).values("about_id")
        visible = model._default_manager.visible_to(user).filter(pk__in=mine).order_by().values("pk")
        condition |= Q(about_model=label, about_id__in=visible)
    return rows.filter(condition)


def notifications_for(user):
    return _openable(user, Notification.objects.visible_to(user)).order_by("-created_at", "-pk")


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return _openable(user, Notification.objects.visible_to(user).unread()).count()
