"""Writes for the outbox: create a notification, deliver it, mark it read."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notifications.models import Notification, NotificationAttachment

logger = logging.getLogger(__name__)

# Kinds that go to people whose account is not active yet (they have no other way in).
KINDS_FOR_INACTIVE = {"invitation"}


@transaction.atomic
def notify(*, recipient, kind: str, subject: str, body: str = "", link: str = "") -> Notification:
    """Write a notification in the caller's transaction and deliver it after commit.

    The row is the message: if the transaction rolls back, nothing is sent;
    if the broker is down when the transaction commits, the row stays unsent
    and the periodic sweep delivers it later.
    """
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, subject=subject[:255], body=body, link=link
    )
    transaction.on_commit(lambda: _enqueue_delivery(notification.pk))
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
    transaction.on_commit(lambda: _enqueue_delivery(notification.pk))
    return notification


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


def _enqueue_delivery(notification_id: int) -> None:
    from notifications.tasks import deliver_notification

    try:
        deliver_notification.delay(notification_id)
    except Exception:  # broker down or unreachable: the sweep will deliver it
        logger.warning("Could not enqueue notification %s; the sweep will deliver it", notification_id, exc_info=True)


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
        address = _address(notification)
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
