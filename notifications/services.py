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
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import Q, Value
from django.utils import timezone

from notifications.models import Notification, NotificationAttachment
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


def _address(notification: Notification) -> str:
    """Where the message goes by e-mail, or "" when it is in-app only."""
    if notification.recipient_id is None:
        return notification.to_email
    recipient = notification.recipient
    if recipient.email and (recipient.is_active or notification.kind in KINDS_FOR_INACTIVE):
        return recipient.email
    return ""


def _send(notification: Notification, address: str) -> None:
    body = notification.body
    if notification.link:
        body = f"{body}\n\n{settings.SITE_URL.rstrip('/')}{notification.link}".strip()
    message = EmailMessage(notification.subject, body, None, [address])
    for attachment in notification.attachments.all():
        with attachment.file.open("rb") as handle:
            message.attach(attachment.filename, handle.read(), attachment.content_type)
    message.send(fail_silently=False)


def _claim(notification_id: int) -> bool:
    """Take the delivery of one unsent row; only one caller wins until the claim lapses."""
    now = timezone.now()
    claimed = (
        Notification.objects.filter(pk=notification_id, sent_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS))
    )
    return claimed == 1


def notification_deliver(*, notification_id: int) -> bool:
    """Send one notification by e-mail (when the person has an address) and mark it sent.

    Idempotent: a row already sent, or claimed by another deliverer, is left
    alone. A failed send releases the claim so the sweep tries again.
    Returns True when this call delivered it.
    """
    if not _claim(notification_id):
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        # Checked again at sending time: an e-mail never names what its reader can no longer open.
        address = _address(notification) if still_open_to(notification) else ""
        if address:
            _send(notification, address)
    except Exception as exc:
        Notification.objects.filter(pk=notification_id).update(
            claimed_until=None, attempts=notification.attempts + 1, last_error=str(exc)[:500]
        )
        logger.warning("Delivery of notification %s failed: %s", notification_id, exc)
        return False
    Notification.objects.filter(pk=notification_id).update(
        sent_at=timezone.now(), claimed_until=None, attempts=notification.attempts + 1, last_error=""
    )
    return True


def notifications_sweep(*, older_than_seconds: int = 60, limit: int = 500) -> int:
    """Deliver what is still unsent (a broker outage, a killed worker). Returns how many were sent."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        Notification.objects.unsent()
        .filter(created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in ids if notification_deliver(notification_id=pk))


def notification_mark_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.visible_to(user).unread().update(read_at=timezone.now())
