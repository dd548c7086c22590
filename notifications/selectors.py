"""Reads for the outbox: a person's notifications, only while they can still open what each is about."""

import functools
from datetime import date

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from notifications.models import Channel, Delivery, DeliveryStatus, Notification, PaidMessageTally


def _scoped_models():
    """The models a notification can be about: those whose rows are read through ``visible_to``."""
    return [model for model in apps.get_models() if hasattr(model._default_manager, "visible_to")]


def _openable(user, rows, labels=None):
    """``rows`` without those about an object the person cannot open now.

    No query of its own: one subquery per scoped model, each limited to the person's own rows about
    that model, so the list, the home page and the unread count stay one query each. ``labels``, when
    known, limits the subqueries to the models the rows are about (building all of them is most of the
    cost of a page's unread count).
    """
    # A row about nothing in particular shows only without a link (rows written before notifications named
    # their objects, whose link matched no known page, are hidden rather than trusted).
    condition = Q(about_model="", link="")
    own = Notification.objects.filter(recipient=user)
    for model in _scoped_models():
        label = model._meta.label_lower
        if labels is not None and label not in labels:
            continue
        mine = own.filter(about_model=label).values("about_id")
        visible = model._default_manager.visible_to(user).filter(pk__in=mine).order_by().values("pk")
        condition |= Q(about_model=label, about_id__in=visible)
    return rows.filter(condition)


def notifications_for(user):
    return _openable(user, Notification.objects.visible_to(user)).order_by("-created_at", "-pk")


@functools.cache
def _unread_labels_sql() -> str:
    """Built once: it runs on every page. The kinds of objects a person's unread notifications are about."""
    quote = connection.ops.quote_name
    column = {
        name: quote(Notification._meta.get_field(name).column) for name in ("about_model", "recipient", "read_at")
    }
    table = quote(Notification._meta.db_table)
    # Names from the model (quoted); the person's id is a parameter.
    return (
        f"SELECT DISTINCT {column['about_model']} FROM {table}"  # noqa: S608
        f" WHERE {column['recipient']} = %s AND {column['read_at']} IS NULL"
    )


def unread_count(user) -> int:
    """On every page (the navigation bar): first which kinds of objects the unread rows addressed to the
    person are about (none, for most people most of the time: one small query, its SQL built once and
    without the scoped queryset's preamble, since whatever ``visible_to`` keeps is among them), then the
    count of those the person may see and open, with only those kinds' subqueries."""
    if not user.is_authenticated:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_unread_labels_sql(), [user.pk])
        labels = {label for (label,) in cursor.fetchall()}
    if not labels:
        return 0
    return _openable(user, Notification.objects.visible_to(user).unread(), labels).count()


def deliveries_for(user, *, status=None, channel=None):
    """The deliveries to the people of the reader's scope, newest first, optionally of one status or channel."""
    rows = Delivery.objects.visible_to(user).select_related("notification__recipient__unit")
    if status in DeliveryStatus.values:
        rows = rows.filter(status=status)
    if channel in Channel.values:
        rows = rows.filter(channel=channel)
    return rows.order_by("-created_at", "-pk")


def paid_messages_for(user, *, month=None):
    """The month (``YYYY-MM``, this month by default) and its paid messages per unit of the reader's scope:
    ``[{"unit", "sms", "zalo", "cost"}]`` read from the tallies, with the estimated cost in dong."""
    try:
        year, number = (int(part) for part in (month or "").split("-"))
        first = date(year, number, 1)
    except ValueError:
        first = timezone.localdate().replace(day=1)
    price = {Channel.SMS: settings.NOTIFICATION_COST_SMS, Channel.ZALO: settings.NOTIFICATION_COST_ZALO}
    per_unit = {}
    for tally in PaidMessageTally.objects.visible_to(user).filter(month=first).select_related("unit"):
        row = per_unit.setdefault(tally.unit_id, {"unit": tally.unit, "sms": 0, "zalo": 0, "cost": 0})
        row[tally.channel] += tally.messages
        row["cost"] += tally.messages * price.get(tally.channel, 0)
    return first, sorted(per_unit.values(), key=lambda row: row["unit"].path)


def personal_data(person) -> list[dict]:
    """Every message addressed to ``person`` (in the app or by e-mail), for their own-data download."""
    messages = Notification.objects.filter(recipient=person).order_by("pk")
    return [
        {"created_at": m.created_at, "subject": m.subject, "body": m.body, "sent_at": m.sent_at, "read_at": m.read_at}
        for m in messages
    ]


def personal_data_choices(person) -> list[dict]:
    """The person's notification choices: per kind, the channels and at once or in a digest."""
    from notifications.models import Preference

    return [
        {
            "category": p.category,
            "category_label": p.get_category_display(),
            "channels": ", ".join(p.channels),
            "channels_label": channel_labels(p.channels),
            "cadence": p.cadence,
            "cadence_label": p.get_cadence_display(),
        }
        for p in Preference.objects.filter(user=person).order_by("category")
    ]


def channel_labels(channels) -> str:
    """Channels' labels ("Zalo, Thư điện tử"), for a person reading their own data."""
    names = dict(Channel.choices)
    return ", ".join(str(names.get(channel, channel)) for channel in channels)


def personal_data_contact(person) -> list[dict]:
    """The verified phone number and quiet hours."""
    from notifications.models import ContactSettings

    return [
        {
            "verified_phone": c.verified_phone,
            "phone_verified_at": c.phone_verified_at,
            "quiet_from": c.quiet_from,
            "quiet_until": c.quiet_until,
        }
        for c in ContactSettings.objects.filter(user=person)
    ]


def personal_data_phone_codes(person) -> list[dict]:
    """Every number a verification code was sent to, when, and whether it was verified (never the code)."""
    from notifications.models import PhoneVerification

    return [
        {"phone": v.phone, "code_sent_at": v.created_at, "verified_at": v.verified_at}
        for v in PhoneVerification.objects.filter(user=person).order_by("pk")
    ]


def personal_data_push(person) -> list[dict]:
    from notifications.models import PushSubscription

    return [
        {"endpoint": s.endpoint, "created_at": s.created_at}
        for s in PushSubscription.objects.filter(user=person).order_by("pk")
    ]


def personal_data_deliveries(person) -> list[dict]:
    """How each message reached the person: channel, outcome, when; and the digests sent to them."""
    from notifications.models import Digest

    rows = [
        {
            "subject": d.notification.subject,
            "channel": d.channel,
            "channel_label": d.get_channel_display(),
            "outcome": d.status,
            "outcome_label": d.get_status_display(),
            "sent_at": d.sent_at,
            "delivered_at": d.delivered_at,
        }
        for d in Delivery.objects.filter(notification__recipient=person).select_related("notification").order_by("pk")
    ]
    rows += [
        {"subject": f"{g.get_cadence_display()} {g.period_start:%d/%m/%Y}", "channel": ", ".join(g.channels_done),
         "channel_label": channel_labels(g.channels_done), "outcome": "", "outcome_label": "",
         "sent_at": g.sent_at, "delivered_at": None}
        for g in Digest.objects.filter(user=person).order_by("pk")
    ]  # fmt: skip
    return rows
