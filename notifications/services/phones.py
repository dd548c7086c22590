"""Phone numbers verified by a one-time code sent by SMS, before SMS or Zalo reach them.

Only the number on the person's roster record can be verified (normalised to the Vietnamese ten digits);
a verification lapses when that number changes. The code is stored as a keyed hash, lives
``PHONE_CODE_MINUTES``, allows five tries, and a new code can be asked for once a minute.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.text import normalise_phone
from notifications.models import ContactSettings, PhoneVerification
from notifications.services import channels

MAX_TRIES = 5
CODES_PER_DAY = 5


def _hash(verification_user_id: int, phone: str, code: str) -> str:
    message = f"{verification_user_id}:{phone}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def phone_to_verify(user) -> str:
    """The person's roster phone number in the Vietnamese format, or "" when there is none."""
    return normalise_phone(user.phone or "") or ""


def phone_verification_start(*, user) -> PhoneVerification:
    """Send a six-digit code by SMS to the person's roster number. Raises ValidationError when there is
    no number, SMS is not configured, codes were asked for too often, or the gateway refused."""
    phone = phone_to_verify(user)
    if not phone:
        raise ValidationError(_("Your record has no valid phone number; ask your union's staff to add it."))
    sms = channels.adapter_for(channels.Channel.SMS)
    if not sms.configured():
        raise ValidationError(_("SMS is not set up on this server, so phone numbers cannot be verified yet."))
    now = timezone.now()
    recent = PhoneVerification.objects.filter(user=user, created_at__gte=now - timedelta(days=1))
    if recent.filter(created_at__gte=now - timedelta(minutes=1)).exists() or recent.count() >= CODES_PER_DAY:
        raise ValidationError(_("A code was sent a moment ago; wait a minute before asking for another."))
    code = f"{secrets.randbelow(10**6):06d}"
    verification = PhoneVerification.objects.create(
        user=user,
        phone=phone,
        code_hash=_hash(user.pk, phone, code),
        expires_at=now + timedelta(minutes=settings.PHONE_CODE_MINUTES),
    )
    with translation.override("vi"):
        text = _("Your verification code for the public-opinion network: %(code)s") % {"code": code}
    try:
        sms.send(phone, channels.Message(subject=text))
    except channels.SendError as exc:
        raise ValidationError(_("The code could not be sent; try again in a few minutes.")) from exc
    return verification


def phone_verification_confirm(*, user, code: str) -> ContactSettings:
    """Check the code against the person's latest unexpired one; on success their number is verified.
    A wrong code counts as a try (kept even though the error is raised)."""
    with transaction.atomic():
        verification = (
            PhoneVerification.objects.select_for_update()
            .filter(user=user, verified_at__isnull=True, expires_at__gt=timezone.now())
            .order_by("-created_at", "-pk")
            .first()
        )
        if verification is None or verification.attempts >= MAX_TRIES:
            raise ValidationError(_("The code has expired; ask for a new one."))
        verification.attempts += 1
        right = verification.phone == phone_to_verify(user) and hmac.compare_digest(
            verification.code_hash, _hash(user.pk, verification.phone, code.strip())
        )
        if right:
            verification.verified_at = timezone.now()
        verification.save(update_fields=["attempts", "verified_at"])
        if right:
            contact, _created = ContactSettings.objects.update_or_create(
                user=user,
                defaults={"verified_phone": verification.phone, "phone_verified_at": verification.verified_at},
            )
            return contact
    raise ValidationError(_("The code is not right."))
