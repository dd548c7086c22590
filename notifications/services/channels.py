"""The channels behind the outbox, one interface each: e-mail, Zalo Notification Service, an SMS gateway,
Web Push.

An adapter says whether it is configured (a channel without its settings is off), where a person is
reached on it, and sends one message. It raises :class:`Temporary` for what may pass (a timeout, a 5xx,
a 429 with the wait the provider asked for) and :class:`Permanent` for what will not (a refused number,
a subscription the browser dropped); the caller retries the first with backoff and never the second.
Delivery-status callbacks are accepted only with a valid signature in each provider's own scheme (Zalo's
``X-ZEvent-Signature`` mac, the SMS gateway's timestamped HMAC).
"""

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parsedate_to_datetime

import requests
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from core.text import normalise_phone
from notifications.models import Channel, ContactSettings, ProviderToken, PushSubscription


@dataclass
class Message:
    subject: str
    body: str = ""
    url: str = ""  # absolute
    attachments: list = field(default_factory=list)  # (filename, bytes, content type)


class SendError(Exception):
    permanent = False

    def __init__(self, message, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Temporary(SendError):
    """Worth trying again later (after ``retry_after`` seconds when the provider said so)."""


class Permanent(SendError):
    permanent = True


def retry_after_seconds(value) -> float | None:
    """A Retry-After header (seconds or an HTTP date) in seconds."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - timezone.now()).total_seconds())
    except (TypeError, ValueError):
        return None


def _check_http(response) -> None:
    """Map an HTTP answer to the errors above; a 2xx passes."""
    if response.status_code == 429:
        raise Temporary("429 rate limited", retry_after_seconds(response.headers.get("Retry-After")))
    if response.status_code >= 500:
        raise Temporary(f"{response.status_code} {response.text[:200]}")
    if response.status_code >= 400:
        raise Permanent(f"{response.status_code} {response.text[:200]}")


def _post(url, **kwargs):
    try:
        return requests.post(url, timeout=settings.NOTIFICATION_HTTP_TIMEOUT, **kwargs)
    except requests.Timeout as exc:
        raise Temporary(f"timeout: {exc}") from exc
    except requests.RequestException as exc:
        raise Temporary(f"connection: {exc}") from exc


def verified_phone(user) -> str:
    """The person's phone number if they verified it by a code and it is still the one on the roster."""
    try:
        contact = user.contact_settings
    except ContactSettings.DoesNotExist:
        return ""
    if contact.phone_verified_at and contact.verified_phone and contact.verified_phone == normalise_phone(user.phone):
        return contact.verified_phone
    return ""


def international(phone: str) -> str:
    """0912345678 -> 84912345678 (how the Zalo and SMS providers name a Vietnamese number)."""
    return "84" + phone[1:] if phone.startswith("0") else phone


class Adapter:
    channel: str = ""
    paid = False

    def configured(self) -> bool:
        raise NotImplementedError

    def address(self, user):
        """Where the person is reached on this channel, or a false value when they cannot be."""
        raise NotImplementedError

    def send(self, address, message: Message) -> str:
        """Send; return the provider's id of the message ("" when it gives none)."""
        raise NotImplementedError


class EmailAdapter(Adapter):
    channel = Channel.EMAIL

    def configured(self):
        return True

    def address(self, user):
        return user.email

    def send(self, address, message):
        body = f"{message.body}\n\n{message.url}".strip() if message.url else message.body
        email = EmailMessage(message.subject, body, None, [address])
        for filename, content, content_type in message.attachments:
            email.attach(filename, content, content_type)
        try:
            email.send(fail_silently=False)
        except Exception as exc:  # SMTP refusals and outages alike: the mail server may recover
            raise Temporary(str(exc)) from exc
        return ""


class SmsAdapter(Adapter):
    """A brand-name SMS gateway: ``POST {SMS_API_URL}/messages`` with a bearer key, JSON in and out."""

    channel = Channel.SMS
    paid = True

    def configured(self):
        return bool(settings.SMS_API_URL and settings.SMS_API_KEY)

    def address(self, user):
        return verified_phone(user)

    def send(self, address, message):
        text = f"{message.subject} {message.url}".strip()
        response = _post(
            f"{settings.SMS_API_URL.rstrip('/')}/messages",
            json={"to": international(address), "from": settings.SMS_SENDER, "text": text},
            headers={"Authorization": f"Bearer {settings.SMS_API_KEY}"},
        )
        _check_http(response)
        return str(response.json().get("id", ""))


# Zalo's error codes in a 200 answer: the access token is no longer valid (refresh and try once more),
# and the ones that pass (rate limit, outside the hours Zalo lets template messages out).
ZALO_TOKEN_INVALID = {-124, -216}
ZALO_TEMPORARY = {-32, -133, -1}


class ZaloAdapter(Adapter):
    """Zalo Notification Service: a template message to a phone number (``POST /message/template`` with
    the ``access_token`` header); the access token is refreshed with the rotating refresh token
    (``POST /v4/oa/access_token``) when it expires or Zalo says it is invalid."""

    channel = Channel.ZALO
    paid = True

    def configured(self):
        return bool(settings.ZALO_API_URL and settings.ZALO_OAUTH_URL and settings.ZALO_TEMPLATE_ID)

    def address(self, user):
        return verified_phone(user)

    def _refresh(self, token: ProviderToken) -> ProviderToken:
        response = _post(
            f"{settings.ZALO_OAUTH_URL.rstrip('/')}/v4/oa/access_token",
            data={
                "app_id": settings.ZALO_APP_ID,
                "refresh_token": token.refresh_token or settings.ZALO_REFRESH_TOKEN,
                "grant_type": "refresh_token",
            },
            headers={"secret_key": settings.ZALO_SECRET_KEY},
        )
        _check_http(response)
        data = response.json()
        if not data.get("access_token"):
            raise Temporary(f"token refresh refused: {data.get('error')} {data.get('error_description', '')}")
        token.access_token = data["access_token"]
        token.refresh_token = data.get("refresh_token") or token.refresh_token
        token.expires_at = timezone.now() + timedelta(seconds=int(data.get("expires_in", 3600)) - 60)
        token.save()
        return token

    def _token(self, *, force=False) -> str:
        token, _created = ProviderToken.objects.get_or_create(channel=Channel.ZALO)
        if force or not token.access_token or token.expires_at is None or token.expires_at <= timezone.now():
            token = self._refresh(token)
        return token.access_token

    def send(self, address, message):
        payload = {
            "phone": international(address),
            "template_id": settings.ZALO_TEMPLATE_ID,
            "template_data": {"title": message.subject[:100], "link": message.url},
        }
        for attempt in range(2):
            response = _post(
                f"{settings.ZALO_API_URL.rstrip('/')}/message/template",
                json=payload,
                headers={"access_token": self._token(force=attempt > 0)},
            )
            _check_http(response)
            data = response.json()
            error = int(data.get("error", 0))
            if error == 0:
                return str((data.get("data") or {}).get("msg_id", ""))
            if error in ZALO_TOKEN_INVALID and attempt == 0:
                continue
            if error in ZALO_TEMPORARY or error in ZALO_TOKEN_INVALID:
                raise Temporary(f"zalo {error}: {data.get('message', '')}")
            raise Permanent(f"zalo {error}: {data.get('message', '')}")
        raise Temporary("zalo: token refused twice")  # pragma: no cover (the loop returns or raises)


class PushAdapter(Adapter):
    """Web Push with VAPID (pywebpush) to every browser the person subscribed; a subscription the push
    service reports gone (404, 410) is deleted."""

    channel = Channel.PUSH

    def configured(self):
        return bool(settings.WEBPUSH_VAPID_PRIVATE_KEY and settings.WEBPUSH_VAPID_PUBLIC_KEY)

    def address(self, user):
        return list(PushSubscription.objects.filter(user=user))

    def send(self, address, message):
        from pywebpush import WebPushException, webpush

        data = json.dumps({"title": message.subject, "body": message.body[:200], "url": message.url})
        sent, errors = 0, []
        for subscription in address:
            try:
                webpush(
                    {
                        "endpoint": subscription.endpoint,
                        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                    },
                    data=data,
                    vapid_private_key=settings.WEBPUSH_VAPID_PRIVATE_KEY,
                    vapid_claims={"sub": settings.WEBPUSH_CONTACT},
                    timeout=settings.NOTIFICATION_HTTP_TIMEOUT,
                    ttl=86400,
                )
                sent += 1
            except WebPushException as exc:
                response = exc.response
                if response is not None and response.status_code in (404, 410):
                    subscription.delete()
                    errors.append(Permanent(f"{response.status_code} subscription gone"))
                elif response is not None:
                    try:
                        _check_http(response)
                        errors.append(Temporary(str(exc)))
                    except SendError as error:
                        errors.append(error)
                else:
                    errors.append(Temporary(str(exc)))
            except requests.Timeout as exc:
                errors.append(Temporary(f"timeout: {exc}"))
            except requests.RequestException as exc:
                errors.append(Temporary(f"connection: {exc}"))
        if sent or not errors:
            return str(sent)
        temporary = [e for e in errors if not e.permanent]
        if temporary:
            waits = [e.retry_after for e in temporary if e.retry_after is not None]
            raise Temporary("; ".join(str(e) for e in errors)[:400], max(waits) if waits else None)
        raise Permanent("; ".join(str(e) for e in errors)[:400])


ADAPTERS = {adapter.channel: adapter for adapter in (EmailAdapter(), SmsAdapter(), ZaloAdapter(), PushAdapter())}


def adapter_for(channel: str) -> Adapter | None:
    return ADAPTERS.get(channel)


def channel_available(channel: str) -> bool:
    """Whether the channel can carry messages at all (in the app always; the others when configured)."""
    if channel == Channel.IN_APP:
        return True
    adapter = adapter_for(channel)
    return bool(adapter and adapter.configured())


def zalo_event_signature_valid(body: bytes, header: str) -> bool:
    """Zalo's webhook scheme: ``X-ZEvent-Signature: mac=<hex>`` where the mac is the SHA-256 of the app id,
    the raw body, the event's ``timestamp`` (both read from the body) and the Official Account's secret key
    (``ZALO_CALLBACK_SECRET``), concatenated in that order. The event must name this app."""
    secret, app_id = settings.ZALO_CALLBACK_SECRET, settings.ZALO_APP_ID
    mac = header.strip().removeprefix("mac=").strip()
    if not secret or not app_id or not mac:
        return False
    try:
        data = json.loads(body)
        event_app, timestamp = str(data["app_id"]), str(data["timestamp"])
    except (ValueError, KeyError, TypeError):
        return False
    if event_app != app_id:
        return False
    expected = hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode()).hexdigest()
    return hmac.compare_digest(expected, mac.lower())


def sms_report_signature_valid(body: bytes, header: str, *, now: float) -> bool:
    """The SMS gateway's scheme: ``X-Signature: t=<unix seconds>,v1=<hex>`` where v1 is the HMAC-SHA256 of
    ``"<t>." + raw body`` under ``SMS_CALLBACK_SECRET``; a report signed more than
    ``SMS_CALLBACK_TOLERANCE`` seconds away from now is refused (a replay)."""
    secret = settings.SMS_CALLBACK_SECRET
    parts = dict(part.strip().split("=", 1) for part in header.split(",") if "=" in part)
    if not secret or "t" not in parts or "v1" not in parts:
        return False
    try:
        signed_at = int(parts["t"])
    except ValueError:
        return False
    if abs(now - signed_at) > settings.SMS_CALLBACK_TOLERANCE:
        return False
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"].strip().lower())
