"""Writes for the outbox: create a notification, deliver it, mark it read.

A notification that names or links something (a report, a note, a session, a summary) is written
only for the people who can open that thing: :func:`notify` and :func:`notify_many` take the object
itself and drop every recipient for whom ``visible_to`` of its model does not return it. A link
without its object is refused, so no caller can skip the check. Messages of another kind are
explicit: :func:`notify_account` for a person's own account (an activation link, even before the
account is active) and :func:`notify_address` for outside addresses (bodies the federation reports to).
"""

import logging
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.utils import timezone

from core.files import files_delete
from notifications.models import (
    QUIET_CHANNELS,
    Cadence,
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationAttachment,
    PaidMessageTally,
)
from notifications.services import channels, preferences
from notifications.signals import notifications_written

logger = logging.getLogger(__name__)

# Kinds that go to people whose account is not active yet (they have no other way in).
KINDS_FOR_INACTIVE = {"invitation"}
# Visibility of an object for many people is asked in one UNION query of this many arms at most
# (SQLite refuses more than 500 in one compound statement).
UNION_ARMS = 400


class UnscopedNotification(ValueError):
    """A notification that links somewhere without saying which object it is about."""


def _scoped_manager(model):
    manager = model._default_manager
    if not hasattr(manager, "visible_to"):
        raise UnscopedNotification(f"{model.__name__} has no visible_to(): nobody can be notified about it")
    return manager


def readers_among(obj, people) -> list:
    """Those of ``people`` (users or their ids) who can open ``obj`` through its model's ``visible_to``.

    The rule is the model's own ``visible_to``, asked for every person, but in bulk: one query loads
    the active people with their units, and one query per UNION_ARMS people asks the database, as
    one UNION of ``visible_to(person).filter(pk=obj.pk)``, which of them get the row back.
    Returns the people who can, with their units loaded, in the order given.
    """
    ids = []
    for person in people:
        pk = getattr(person, "pk", person)
        if pk is not None and pk not in ids:
            ids.append(pk)
    if not ids:
        return []
    manager = _scoped_manager(type(obj))
    loaded = {p.pk: p for p in get_user_model().objects.filter(pk__in=ids, is_active=True).select_related("unit")}
    arms = []
    for pk in ids:
        person = loaded.get(pk)
        if person is None:
            continue
        visible = manager.visible_to(person)
        if visible.query.is_empty():
            continue
        arms.append(visible.filter(pk=obj.pk).order_by().values_list(Value(pk, output_field=models.BigIntegerField())))
    can = set()
    for start in range(0, len(arms), UNION_ARMS):
        chunk = arms[start : start + UNION_ARMS]
        query = chunk[0].union(*chunk[1:], all=True) if len(chunk) > 1 else chunk[0]
        can.update(row[0] for row in query)
    return [loaded[pk] for pk in ids if pk in can]


def _enqueue_after_commit(ids) -> None:
    """Once the rows are committed, announce them; the receivers queue their delivery."""
    ids = list(ids)
    transaction.on_commit(lambda: notifications_written.send(sender=Notification, ids=ids))


@transaction.atomic
def notify_many(*, recipients, about, kind: str, subject: str, body: str = "", link: str = "") -> list[Notification]:
    """Write one notification about ``about`` for each of ``recipients`` who can open it, in the
    caller's transaction, and deliver them after commit. The others get nothing.

    ``about`` is the object the message names and links to; it is required whenever there is a link.
    The rows are the messages: if the transaction rolls back, nothing is sent; if the broker is down
    when it commits, the rows stay unsent and the periodic sweep delivers them later.
    """
    if about is None:
        if link:
            raise UnscopedNotification("A notification with a link must say which object it links to.")
        people = [p for p in recipients if p is not None]
        about_model, about_id = "", None
    else:
        people = readers_among(about, recipients)
        about_model, about_id = about._meta.label_lower, about.pk
    seen, rows = set(), []
    for person in people:
        if person.pk in seen:
            continue
        seen.add(person.pk)
        rows.append(
            Notification(
                recipient=person,
                kind=kind,
                subject=subject[:255],
                body=body,
                link=link,
                about_model=about_model,
                about_id=about_id,
            )
        )
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    _enqueue_after_commit(n.pk for n in created)
    return created


def notify(*, recipient, about=None, kind: str, subject: str, body: str = "", link: str = "") -> Notification | None:
    """One person's notification about ``about`` (see :func:`notify_many`); None when they cannot open it."""
    created = notify_many(recipients=[recipient], about=about, kind=kind, subject=subject, body=body, link=link)
    return created[0] if created else None


@transaction.atomic
def notify_account(*, recipient, kind: str, subject: str, body: str = "", link: str = "") -> Notification:
    """A message about the recipient's own account (an activation link), sent even before it is active.

    The link carries a token for this person alone, so there is no other object to check.
    """
    notification = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        subject=subject[:255],
        body=body,
        link=link,
        about_model=recipient._meta.label_lower,
        about_id=recipient.pk,
    )
    _enqueue_after_commit([notification.pk])
    return notification


@transaction.atomic
def notify_address(
    *, email: str, kind: str, subject: str, body: str = "", link: str = "", attachments=()
) -> Notification:
    """Write an e-mail to an outside address (not a person of the roster), with files.

    ``attachments`` is a sequence of ``(filename, content_bytes, content_type)``; the files are
    stored with the row, so a later delivery (after a broker outage) sends the same files.
    """
    notification = Notification.objects.create(to_email=email, kind=kind, subject=subject[:255], body=body, link=link)
    for filename, content, content_type in attachments:
        attachment = NotificationAttachment(notification=notification, filename=filename, content_type=content_type)
        attachment.file.save(filename, ContentFile(content), save=True)
    _enqueue_after_commit([notification.pk])
    return notification


def still_open_to(notification: Notification) -> bool:
    """Whether the recipient can still open what the notification is about (people move, scopes change)."""
    if notification.recipient_id is None:
        return True
    if not notification.about_model:
        return not notification.link
    if notification.kind in KINDS_FOR_INACTIVE:
        return True
    try:
        model = apps.get_model(notification.about_model)
    except LookupError:
        return False
    return bool(readers_among(model(pk=notification.about_id), [notification.recipient_id]))


def _claim(notification_id: int) -> bool:
    """Take the routing of one unsent row; only one caller wins until the claim lapses."""
    now = timezone.now()
    claimed = (
        Notification.objects.filter(pk=notification_id, sent_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS))
    )
    return claimed == 1


def _in_quiet_hours(moment, contact) -> bool:
    hour = timezone.localtime(moment).hour
    start, end = contact.quiet_from, contact.quiet_until
    if start == end:
        return False
    return start <= hour or hour < end if start > end else start <= hour < end


def _after_quiet_hours(moment, contact):
    """``moment``, or the end of the person's quiet hours (Hanoi time) when it falls inside them."""
    if not _in_quiet_hours(moment, contact):
        return moment
    local = timezone.localtime(moment)
    end = local.replace(hour=contact.quiet_until, minute=0, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end


def _plan(notification: Notification) -> list[Delivery]:
    """The deliveries of a notification: one per channel the recipient chose for its category, on the
    channels that are configured and reach them. Phone channels wait out the quiet hours unless urgent."""
    now = timezone.now()
    recipient = notification.recipient
    if recipient is None:
        return [Delivery(notification=notification, channel=Channel.EMAIL)]
    if not (recipient.is_active or notification.kind in KINDS_FOR_INACTIVE):
        return []
    if notification.kind in preferences.FIXED_KINDS:
        chosen, cadence = [Channel.IN_APP, Channel.EMAIL], Cadence.NOW
    else:
        chosen, cadence = preferences.preferences_of(recipient)[preferences.category_of(notification.kind)]
        if notification.kind in preferences.AT_ONCE_KINDS:
            cadence = Cadence.NOW
    if Channel.IN_APP not in chosen and notification.read_at is None:
        # Not wanted in the app: it stays in the person's list as history, already read.
        Notification.objects.filter(pk=notification.pk).update(read_at=now)
    contact = preferences.contact_of(recipient)
    urgent = notification.kind in preferences.URGENT_KINDS
    rows = []
    for channel in chosen:
        adapter = channels.adapter_for(channel)
        if adapter is None or not adapter.configured() or not adapter.address(recipient):
            continue
        row = Delivery(notification=notification, channel=channel, unit_id=recipient.unit_id, cadence=cadence)
        if cadence != Cadence.NOW:
            row.status = DeliveryStatus.HELD
        elif channel in QUIET_CHANNELS and not urgent and _in_quiet_hours(now, contact):
            row.next_attempt_at = _after_quiet_hours(now, contact)
        rows.append(row)
    return rows


def _message(notification: Notification) -> channels.Message:
    url = f"{settings.SITE_URL.rstrip('/')}{notification.link}" if notification.link else ""
    files = []
    for attachment in notification.attachments.all():
        with attachment.file.open("rb") as handle:
            files.append((attachment.filename, handle.read(), attachment.content_type))
    return channels.Message(subject=notification.subject, body=notification.body, url=url, attachments=files)


def retry_delay(attempts: int, retry_after: float | None = None) -> timedelta:
    """Backoff after the ``attempts``-th failure: 1, 2, 4, ... times the base, at most 6 hours; a
    provider's Retry-After when it asked for longer."""
    backoff = min(settings.NOTIFICATION_RETRY_SECONDS * 2 ** max(attempts - 1, 0), 6 * 3600)
    return timedelta(seconds=max(backoff, retry_after or 0))


def paid_message_count(*, unit_id, channel: str, at) -> None:
    """Count one paid message against the recipient's unit for the month of ``at`` (Hanoi time)."""
    if unit_id is None:
        return
    month = timezone.localdate(at).replace(day=1)
    tally, _created = PaidMessageTally.objects.get_or_create(unit_id=unit_id, month=month, channel=channel)
    PaidMessageTally.objects.filter(pk=tally.pk).update(messages=F("messages") + 1)


def _claim_delivery(delivery_id: int, now) -> bool:
    return (
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS))
    ) == 1


def delivery_send(*, delivery_id: int) -> bool:
    """Send one delivery that is due, once: claimed with a lease (a killed worker's claim lapses and the
    sweep takes it again; a second caller finds it claimed or done). A temporary failure is tried again
    after a backoff (or the provider's Retry-After), a permanent one is recorded as failed.
    Returns True when this call sent it."""
    now = timezone.now()
    if not _claim_delivery(delivery_id, now):
        return False
    delivery = Delivery.objects.select_related("notification__recipient").get(pk=delivery_id)
    notification = delivery.notification
    recipient = notification.recipient
    adapter = channels.adapter_for(delivery.channel)
    done = {"claimed_until": None}
    address = None
    if adapter is not None and adapter.configured() and still_open_to(notification):
        address = notification.to_email if recipient is None else adapter.address(recipient)
    if not address:
        Delivery.objects.filter(pk=delivery_id).update(status=DeliveryStatus.SKIPPED, **done)
        return False
    attempts = delivery.attempts + 1
    try:
        provider_id = adapter.send(address, _message(notification))
    except channels.SendError as exc:
        logger.warning("Delivery %s (%s) failed: %s", delivery_id, delivery.channel, exc)
        if exc.permanent or attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            Delivery.objects.filter(pk=delivery_id).update(
                status=DeliveryStatus.FAILED, attempts=attempts, last_error=str(exc)[:500], **done
            )
        else:
            later = now + retry_delay(attempts, exc.retry_after)
            if delivery.channel in QUIET_CHANNELS and notification.kind not in preferences.URGENT_KINDS:
                later = _after_quiet_hours(later, preferences.contact_of(recipient))
            Delivery.objects.filter(pk=delivery_id).update(
                attempts=attempts, last_error=str(exc)[:500], next_attempt_at=later, **done
            )
        return False
    sent_at = timezone.now()
    Delivery.objects.filter(pk=delivery_id).update(
        status=DeliveryStatus.SENT,
        attempts=attempts,
        sent_at=sent_at,
        provider_id=provider_id[:200],
        last_error="",
        **done,
    )
    if adapter.paid:
        paid_message_count(unit_id=delivery.unit_id, channel=delivery.channel, at=sent_at)
    return True


def notification_deliver(*, notification_id: int) -> bool:
    """Route one notification to the channels its recipient chose (one Delivery row per channel, written
    once), mark it routed (``sent_at``), then send the deliveries that are due now.

    Idempotent: a row already routed, or claimed by another deliverer, is left alone. A failure while
    routing releases the claim so the sweep tries again. Returns True when this call routed it.
    """
    if not _claim(notification_id):
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        # Checked again at routing time: no channel names what its reader can no longer open.
        rows = _plan(notification) if still_open_to(notification) else []
        # No transaction around the two writes (a worker holds no locks between statements): writing the
        # rows again after a crash between them adds nothing, thanks to the unique constraint.
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        Notification.objects.filter(pk=notification_id).update(
            sent_at=timezone.now(), claimed_until=None, attempts=notification.attempts + 1, last_error=""
        )
    except Exception as exc:
        Notification.objects.filter(pk=notification_id).update(
            claimed_until=None, attempts=notification.attempts + 1, last_error=str(exc)[:500]
        )
        logger.warning("Routing of notification %s failed: %s", notification_id, exc)
        return False
    due = Delivery.objects.filter(notification_id=notification_id, status=DeliveryStatus.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())
    )
    for pk in due.values_list("pk", flat=True):
        delivery_send(delivery_id=pk)
    return True


def deliveries_retry_due(*, older_than_seconds: int = 60, limit: int = 500) -> int:
    """Send the deliveries whose retry (or the end of the quiet hours) has come, and those a lost worker
    routed but never sent. Returns how many were sent."""
    now = timezone.now()
    ids = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING)
        .filter(
            Q(next_attempt_at__lte=now)
            | Q(next_attempt_at__isnull=True, created_at__lte=now - timedelta(seconds=older_than_seconds))
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in ids if delivery_send(delivery_id=pk))


def notifications_sweep(*, older_than_seconds: int = 60, limit: int = 500) -> int:
    """Route what is still unrouted (a broker outage, a killed worker) and send the deliveries that are
    due again. Returns how many notifications were routed plus how many retries were sent."""
    retried = deliveries_retry_due(older_than_seconds=older_than_seconds, limit=limit)
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        Notification.objects.unsent()
        .filter(created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return retried + sum(1 for pk in ids if notification_deliver(notification_id=pk))


@transaction.atomic
def delivery_status_record(*, channel: str, provider_id: str, status: str, error: str = "") -> int:
    """A provider's signed report on a message: delivered, or failed after all. Returns the rows changed."""
    if not provider_id:
        return 0
    rows = Delivery.objects.filter(channel=channel, provider_id=provider_id).exclude(status=DeliveryStatus.DELIVERED)
    if status == DeliveryStatus.DELIVERED:
        return rows.update(status=DeliveryStatus.DELIVERED, delivered_at=timezone.now())
    if status == DeliveryStatus.FAILED:
        return rows.update(status=DeliveryStatus.FAILED, last_error=error[:500])
    return 0


def notification_mark_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.visible_to(user).unread().update(read_at=timezone.now())


@transaction.atomic
def push_subscription_save(*, user, endpoint: str, p256dh: str, auth: str):
    """Remember a browser that accepts Web Push for ``user`` (the same browser again updates its keys)."""
    from notifications.models import PushSubscription

    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth}
    )
    return subscription


def person_notifications_erase(*, person) -> None:
    """Anonymisation: everything the outbox holds about ``person`` goes (their messages with their files on
    disk, how they were delivered, choices, phone numbers and codes, push subscriptions, digests). The
    paid-message tallies are counts per unit and stay."""
    from notifications.models import ContactSettings, Digest, PhoneVerification, Preference, PushSubscription

    messages = Notification.objects.filter(recipient=person)
    # The attachments' rows, then their files (and emptied outbox/<id>/ folders) once this commits.
    files_delete(NotificationAttachment.objects.filter(notification__in=messages))
    messages.delete()  # their deliveries with them
    for model in (Preference, ContactSettings, PhoneVerification, PushSubscription, Digest):
        model.objects.filter(user=person).delete()
