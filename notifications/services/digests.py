"""Daily and weekly digests: what each person chose to receive that way, gathered in one message per
channel, in Vietnamese, exactly once per person and period.

Routing leaves such deliveries ``held``. After the period (a Hanoi day, or a Monday-to-Sunday week)
has ended and from ``NOTIFICATION_DIGEST_HOUR``, :func:`digests_due` writes one ``Digest`` row per person
and period (a unique constraint: a second run finds it) and sends it under a lease: a run that finds it
claimed leaves it, a killed worker's claim lapses and the next run sends it. The channels already done
are recorded on the row, so a failure on one channel never sends another twice.
"""

import logging
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.models import QUIET_CHANNELS, Cadence, Delivery, DeliveryStatus, Digest
from notifications.services import _in_quiet_hours, paid_message_count, still_open_to
from notifications.services import channels as channel_adapters
from notifications.services.preferences import contact_of

logger = logging.getLogger(__name__)


def digest_period(cadence: str, today):
    """The last whole period before ``today`` (a Hanoi date): ``(first day, day after the last)``."""
    if cadence == Cadence.DAILY:
        return today - timedelta(days=1), today
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(days=7), monday


def _midnight(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def _held(user_id, cadence, end):
    return Delivery.objects.filter(
        notification__recipient_id=user_id, status=DeliveryStatus.HELD, cadence=cadence, created_at__lt=_midnight(end)
    )


def digests_due(*, limit: int = 2000) -> int:
    """Write and send the digests whose period has ended. Returns how many this call sent."""
    local = timezone.localtime()
    if local.hour < settings.NOTIFICATION_DIGEST_HOUR:
        return 0
    sent = 0
    for cadence in (Cadence.DAILY, Cadence.WEEKLY):
        start, end = digest_period(cadence, local.date())
        people = (
            Delivery.objects.filter(status=DeliveryStatus.HELD, cadence=cadence, created_at__lt=_midnight(end))
            .values_list("notification__recipient_id", flat=True)
            .distinct()
            .order_by("notification__recipient_id")[:limit]
        )
        for user_id in list(people):
            digest, _created = Digest.objects.get_or_create(user_id=user_id, cadence=cadence, period_start=start)
            if digest.sent_at is None and digest_send(digest_id=digest.pk):
                sent += 1
    return sent


def _claim(digest_id: int, now) -> bool:
    return (
        Digest.objects.filter(pk=digest_id, sent_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS), attempts=F("attempts") + 1)
    ) == 1


def _compose(digest: Digest, notifications) -> channel_adapters.Message:
    with translation.override("vi"):
        count = len(notifications)
        if digest.cadence == Cadence.DAILY:
            subject = ngettext(
                "Daily digest of %(date)s: %(count)d notification",
                "Daily digest of %(date)s: %(count)d notifications",
                count,
            ) % {"date": digest.period_start.strftime("%d/%m/%Y"), "count": count}
        else:
            subject = ngettext(
                "Weekly digest from %(date)s: %(count)d notification",
                "Weekly digest from %(date)s: %(count)d notifications",
                count,
            ) % {"date": digest.period_start.strftime("%d/%m/%Y"), "count": count}
        lines = [_("Dear comrade, here is what the network told you in this period:"), ""]
        lines += [f"• {timezone.localtime(n.created_at):%d/%m %H:%M} {n.subject}" for n in notifications]
        lines += ["", _("Open the app to read them.")]
    url = f"{settings.SITE_URL.rstrip('/')}{reverse('notifications:list')}"
    return channel_adapters.Message(subject=subject, body="\n".join(lines), url=url)


def digest_send(*, digest_id: int) -> bool:
    """Send one person's digest on each channel it gathers, once. Returns True when it went out now."""
    now = timezone.now()
    if not _claim(digest_id, now):
        return False
    digest = Digest.objects.select_related("user").get(pk=digest_id)
    user = digest.user
    end = digest.period_start + timedelta(days=1 if digest.cadence == Cadence.DAILY else 7)
    items = list(
        _held(user.pk, digest.cadence, end)
        .filter(Q(digest__isnull=True) | Q(digest=digest))
        .select_related("notification")
        .order_by("notification__created_at", "pk")
    )
    # The scope rule again at sending time: a digest never names what its reader can no longer open.
    closed = [d.pk for d in items if not still_open_to(d.notification)]
    Delivery.objects.filter(pk__in=closed).update(status=DeliveryStatus.SKIPPED)
    items = [d for d in items if d.pk not in closed]
    Delivery.objects.filter(pk__in=[d.pk for d in items]).update(digest=digest)
    done = list(digest.channels_done)
    contact = contact_of(user)
    for channel in sorted({d.channel for d in items}):
        if channel in done:
            continue
        mine = [d for d in items if d.channel == channel]
        adapter = channel_adapters.adapter_for(channel)
        address = adapter.address(user) if adapter and adapter.configured() and user.is_active else None
        if not address:
            Delivery.objects.filter(pk__in=[d.pk for d in mine]).update(status=DeliveryStatus.SKIPPED)
            done.append(channel)
            continue
        if channel in QUIET_CHANNELS and _in_quiet_hours(now, contact):
            Digest.objects.filter(pk=digest_id).update(claimed_until=None, channels_done=done)
            return False  # the next run, after the person's quiet hours
        notifications = list({d.notification_id: d.notification for d in mine}.values())
        try:
            provider_id = adapter.send(address, _compose(digest, notifications))
        except channel_adapters.SendError as exc:
            logger.warning("Digest %s on %s failed: %s", digest_id, channel, exc)
            if not exc.permanent and digest.attempts < settings.NOTIFICATION_MAX_ATTEMPTS:
                Digest.objects.filter(pk=digest_id).update(claimed_until=None, channels_done=done)
                return False
            Delivery.objects.filter(pk__in=[d.pk for d in mine]).update(
                status=DeliveryStatus.FAILED, last_error=str(exc)[:500]
            )
        else:
            sent_at = timezone.now()
            Delivery.objects.filter(pk__in=[d.pk for d in mine]).update(
                status=DeliveryStatus.SENT, sent_at=sent_at, provider_id=provider_id[:200]
            )
            if adapter.paid:
                paid_message_count(unit_id=user.unit_id, channel=channel, at=sent_at)
        done.append(channel)
        Digest.objects.filter(pk=digest_id).update(channels_done=done)
    Digest.objects.filter(pk=digest_id).update(
        sent_at=timezone.now(), claimed_until=None, channels_done=done, items=len({d.notification_id for d in items})
    )
    return True
