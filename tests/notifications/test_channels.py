"""Each channel adapter against its provider on loopback: success, timeout, 429, 5xx, permanent error,
and the signed delivery-status callbacks."""

import base64
import hashlib
import hmac
import json
import os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    PaidMessageTally,
    Preference,
    ProviderToken,
    PushSubscription,
)
from notifications.services import delivery_send, notification_deliver, notify
from tests.clock import frozen_clock
from tests.notifications.providers import verified

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
_clock = frozen_clock()  # the tests build their dates from "now"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NOON = datetime(2026, 12, 7, 12, 0, tzinfo=HANOI)


def _only(user, channel, category="reminders"):
    Preference.objects.update_or_create(
        user=user, category=category, defaults={"channels": ["in_app", channel], "cadence": "now"}
    )


def _send_one(user, kind="compliance_reminder", subject="Nhắc gửi báo cáo kỳ này"):
    notification = notify(recipient=user, kind=kind, subject=subject)
    notification_deliver(notification_id=notification.pk)
    return notification


def _delivery(notification, channel):
    return Delivery.objects.get(notification=notification, channel=channel)


# --- SMS --------------------------------------------------------------------------------------------


@time_machine.travel(NOON, tick=False)
def test_sms_goes_to_the_gateway_and_counts_as_a_paid_message_of_the_unit(provider, collaborator):
    _only(verified(collaborator), "sms")
    notification = _send_one(collaborator)
    delivery = _delivery(notification, Channel.SMS)
    assert delivery.status == DeliveryStatus.SENT and delivery.provider_id.startswith("s")
    (request,) = provider.sent("/sms/messages")
    payload = json.loads(request["body"])
    assert payload["to"] == "84912345678" and payload["from"] == "CONGDOAN"
    assert "Nhắc gửi báo cáo" in payload["text"]
    assert mail.outbox == []  # not chosen
    tally = PaidMessageTally.objects.get()
    assert (tally.unit, tally.channel, tally.messages, tally.month.day) == (collaborator.unit, "sms", 1, 1)


@time_machine.travel(NOON, tick=False)
def test_sms_timeout_is_tried_again_after_a_backoff(provider, collaborator, settings):
    _only(verified(collaborator), "sms")
    provider.plan("/sms/messages", "timeout")
    notification = _send_one(collaborator)
    delivery = _delivery(notification, Channel.SMS)
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert "timeout" in delivery.last_error
    assert delivery.next_attempt_at == NOON + timedelta(seconds=settings.NOTIFICATION_RETRY_SECONDS)
    assert delivery_send(delivery_id=delivery.pk) is False  # not due yet: nothing is sent
    with time_machine.travel(NOON + timedelta(minutes=1), tick=False):
        assert delivery_send(delivery_id=delivery.pk) is True
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert PaidMessageTally.objects.get().messages == 1


@time_machine.travel(NOON, tick=False)
def test_sms_429_waits_as_long_as_the_gateway_asks(provider, collaborator):
    _only(verified(collaborator), "sms")
    provider.plan("/sms/messages", 429)
    delivery = _delivery(_send_one(collaborator), Channel.SMS)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.next_attempt_at == NOON + timedelta(seconds=120)


@time_machine.travel(NOON, tick=False)
def test_sms_5xx_is_retried_with_growing_backoff_then_given_up(provider, collaborator, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    _only(verified(collaborator), "sms")
    provider.plan("/sms/messages", 503, 502, 500)
    delivery = _delivery(_send_one(collaborator), Channel.SMS)
    assert delivery.next_attempt_at == NOON + timedelta(minutes=1)
    with time_machine.travel(NOON + timedelta(minutes=1), tick=False):
        delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at == NOON + timedelta(minutes=3)
    with time_machine.travel(NOON + timedelta(minutes=3), tick=False):
        delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 3
    assert len(provider.sent("/sms/messages")) == 3
    assert not PaidMessageTally.objects.exists()


@time_machine.travel(NOON, tick=False)
def test_sms_permanent_error_is_not_retried(provider, collaborator):
    _only(verified(collaborator), "sms")
    provider.plan("/sms/messages", 400)
    delivery = _delivery(_send_one(collaborator), Channel.SMS)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    with time_machine.travel(NOON + timedelta(hours=7), tick=False):
        assert delivery_send(delivery_id=delivery.pk) is False
    assert len(provider.sent("/sms/messages")) == 1


def test_an_unverified_number_gets_no_sms(provider, collaborator):
    collaborator.phone = "0912345678"
    collaborator.save(update_fields=["phone"])
    _only(collaborator, "sms")
    notification = _send_one(collaborator)
    assert not Delivery.objects.filter(notification=notification).exists()
    assert provider.sent("/sms/messages") == []


def test_a_verification_lapses_when_the_roster_number_changes(provider, collaborator):
    _only(verified(collaborator), "sms")
    collaborator.phone = "0987654321"
    collaborator.save(update_fields=["phone"])
    _send_one(collaborator)
    assert provider.sent("/sms/messages") == []


def test_with_no_gateway_configured_the_sms_channel_is_off(collaborator, settings):
    settings.SMS_API_URL = ""
    _only(verified(collaborator), "sms")
    notification = _send_one(collaborator)
    assert not Delivery.objects.filter(notification=notification).exists()


# --- Zalo -------------------------------------------------------------------------------------------


@time_machine.travel(NOON, tick=False)
def test_zalo_refreshes_its_token_then_sends_the_template(provider, collaborator):
    _only(verified(collaborator), "zalo")
    notification = _send_one(collaborator)
    delivery = _delivery(notification, Channel.ZALO)
    assert delivery.status == DeliveryStatus.SENT and delivery.provider_id.startswith("z")
    (refresh,) = provider.sent("/oauth/v4/oa/access_token")
    assert b"refresh_token=refresh-0" in refresh["body"] and b"app_id=123" in refresh["body"]
    (message,) = provider.sent("/zalo/message/template")
    payload = json.loads(message["body"])
    assert payload["phone"] == "84912345678" and payload["template_id"] == "tmpl-1"
    assert payload["template_data"]["title"] == "Nhắc gửi báo cáo kỳ này"
    token = ProviderToken.objects.get(channel=Channel.ZALO)
    assert (token.access_token, token.refresh_token) == ("access-1", "refresh-1")  # the rotated pair is kept
    # The next message reuses the token.
    _send_one(collaborator, subject="Lần hai")
    assert len(provider.sent("/oauth/v4/oa/access_token")) == 1
    assert PaidMessageTally.objects.get(channel="zalo").messages == 2


@time_machine.travel(NOON, tick=False)
def test_zalo_token_refused_is_refreshed_once_and_the_message_sent(provider, collaborator):
    _only(verified(collaborator), "zalo")
    ProviderToken.objects.create(
        channel=Channel.ZALO, access_token="revoked", refresh_token="refresh-0", expires_at=NOON + timedelta(hours=5)
    )
    delivery = _delivery(_send_one(collaborator), Channel.ZALO)
    assert delivery.status == DeliveryStatus.SENT
    assert len(provider.sent("/zalo/message/template")) == 2
    assert ProviderToken.objects.get().access_token == "access-1"


@time_machine.travel(NOON, tick=False)
def test_zalo_permanent_error_fails_without_retry(provider, collaborator):
    _only(verified(collaborator), "zalo")
    provider.plan("/zalo/message/template", ("zalo", -108))  # phone number invalid
    delivery = _delivery(_send_one(collaborator), Channel.ZALO)
    assert delivery.status == DeliveryStatus.FAILED and "-108" in delivery.last_error


@time_machine.travel(NOON, tick=False)
def test_zalo_429_and_timeout_are_retried(provider, collaborator):
    _only(verified(collaborator), "zalo")
    provider.plan("/zalo/message/template", "ok")  # let the token be fetched by a first message
    _send_one(collaborator, subject="Đầu tiên")
    provider.plan("/zalo/message/template", 429)
    delivery = _delivery(_send_one(collaborator, subject="Bị giới hạn"), Channel.ZALO)
    assert delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at == NOON + timedelta(seconds=120)
    provider.plan("/zalo/message/template", "timeout")
    delivery = _delivery(_send_one(collaborator, subject="Chậm"), Channel.ZALO)
    assert delivery.status == DeliveryStatus.PENDING and "timeout" in delivery.last_error


# --- Web Push ---------------------------------------------------------------------------------------


@pytest.fixture
def push_keys(settings):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from py_vapid import Vapid

    vapid = Vapid()
    vapid.generate_keys()
    der = vapid.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    settings.WEBPUSH_VAPID_PRIVATE_KEY = base64.urlsafe_b64encode(der).rstrip(b"=").decode()
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    settings.WEBPUSH_VAPID_PUBLIC_KEY = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    browser = ec.generate_private_key(ec.SECP256R1())
    point = browser.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)

    def subscribe(user, name="a"):
        return PushSubscription.objects.create(
            user=user,
            endpoint=f"{settings.SMS_API_URL.rsplit('/', 1)[0]}/push/{name}",
            p256dh=base64.urlsafe_b64encode(point).rstrip(b"=").decode(),
            auth=base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode(),
        )

    return subscribe


@time_machine.travel(NOON, tick=False)
def test_web_push_reaches_the_subscribed_browser_with_a_vapid_signature(provider, push_keys, unit_staff):
    push_keys(unit_staff)
    Preference.objects.create(user=unit_staff, category="staff_alerts", channels=["push"], cadence="now")
    notification = _send_one(unit_staff, kind="report_overdue", subject="Báo cáo quá hạn")
    delivery = _delivery(notification, Channel.PUSH)
    assert delivery.status == DeliveryStatus.SENT
    (request,) = provider.sent("/push/a")
    assert request["headers"]["authorization"].startswith("vapid t=")
    assert request["headers"]["content-encoding"] == "aes128gcm"
    assert b"B\xc3\xa1o c\xc3\xa1o" not in request["body"]  # encrypted
    notification.refresh_from_db()
    assert notification.read_at is not None  # in the app was not chosen: it arrives as history


@time_machine.travel(NOON, tick=False)
def test_web_push_to_a_gone_subscription_fails_and_forgets_it(provider, push_keys, unit_staff):
    push_keys(unit_staff)
    Preference.objects.create(user=unit_staff, category="staff_alerts", channels=["push"], cadence="now")
    provider.plan("/push", 410)
    delivery = _delivery(_send_one(unit_staff, kind="report_overdue"), Channel.PUSH)
    assert delivery.status == DeliveryStatus.FAILED
    assert not PushSubscription.objects.exists()


@time_machine.travel(NOON, tick=False)
def test_web_push_429_and_5xx_are_retried(provider, push_keys, unit_staff):
    push_keys(unit_staff)
    Preference.objects.create(user=unit_staff, category="staff_alerts", channels=["push"], cadence="now")
    provider.plan("/push", 429, 500)
    delivery = _delivery(_send_one(unit_staff, kind="report_overdue"), Channel.PUSH)
    assert delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at == NOON + timedelta(seconds=120)
    with time_machine.travel(NOON + timedelta(seconds=120), tick=False):
        delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 2 and "500" in delivery.last_error
    assert PushSubscription.objects.count() == 1


@time_machine.travel(NOON, tick=False)
def test_web_push_timeout_is_retried_after_a_backoff(provider, push_keys, unit_staff, settings):
    push_keys(unit_staff)
    Preference.objects.create(user=unit_staff, category="staff_alerts", channels=["push"], cadence="now")
    provider.plan("/push", "timeout")
    delivery = _delivery(_send_one(unit_staff, kind="report_overdue"), Channel.PUSH)
    assert delivery.status == DeliveryStatus.PENDING and "timeout" in delivery.last_error
    assert delivery.next_attempt_at == NOON + timedelta(seconds=settings.NOTIFICATION_RETRY_SECONDS)
    with time_machine.travel(delivery.next_attempt_at, tick=False):
        delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2


# --- Delivery-status callbacks ----------------------------------------------------------------------


def _sms_sign(secret, body, at=None):
    """The SMS gateway's header: t=<unix seconds>,v1=HMAC-SHA256(secret, "<t>." + body)."""
    stamp = str(int((at or NOON).timestamp()))
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={mac}"


def _zalo_event(msg_id, app_id="123", timestamp="1765083600000"):
    return json.dumps(
        {
            "app_id": app_id,
            "event_name": "user_received_message",
            "timestamp": timestamp,
            "message": {"msg_id": msg_id, "delivery_time": timestamp},
        }
    ).encode()


def _zalo_sign(body, secret="zalo-callback-secret", app_id="123"):  # noqa: S107 (the test secret)
    """Zalo's X-ZEvent-Signature: mac=sha256(app id + raw body + timestamp + OA secret key)."""
    timestamp = json.loads(body)["timestamp"]
    return "mac=" + hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode()).hexdigest()


@time_machine.travel(NOON, tick=False)
def test_a_signed_sms_report_marks_it_delivered_and_unsigned_forged_tampered_or_stale_ones_are_refused(
    provider, collaborator, client
):
    _only(verified(collaborator), "sms")
    delivery = _delivery(_send_one(collaborator), Channel.SMS)
    url = reverse("notifications:sms_callback")
    body = json.dumps({"id": delivery.provider_id, "status": "delivered"}).encode()
    refused = [
        client.post(url, body, content_type="application/json"),  # unsigned
        client.post(url, body, content_type="application/json", headers={"X-Signature": _sms_sign("wrong", body)}),
        client.post(  # signed, then the body changed on the way
            url,
            body.replace(b"delivered", b"failed"),
            content_type="application/json",
            headers={"X-Signature": _sms_sign("sms-callback-secret", body)},
        ),
        client.post(  # a genuine report of ten minutes ago sent again
            url,
            body,
            content_type="application/json",
            headers={"X-Signature": _sms_sign("sms-callback-secret", body, at=NOON - timedelta(minutes=10))},
        ),
        # the plain body HMAC of other schemes is not this gateway's signature
        client.post(
            url,
            body,
            content_type="application/json",
            headers={"X-Signature": hmac.new(b"sms-callback-secret", body, hashlib.sha256).hexdigest()},
        ),
    ]
    assert [r.status_code for r in refused] == [403] * 5
    assert all(r.content.decode() for r in refused)  # refused with a reason
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    signed = client.post(
        url, body, content_type="application/json", headers={"X-Signature": _sms_sign("sms-callback-secret", body)}
    )
    assert signed.status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.delivered_at == NOON


@time_machine.travel(NOON, tick=False)
def test_a_zalo_event_signed_in_zalos_scheme_marks_the_message_received_and_others_are_refused(
    provider, collaborator, client
):
    _only(verified(collaborator), "zalo")
    delivery = _delivery(_send_one(collaborator), Channel.ZALO)
    body = _zalo_event(delivery.provider_id)
    url = reverse("notifications:zalo_callback")

    def post(data, signature=None):
        headers = {"X-ZEvent-Signature": signature} if signature is not None else {}
        return client.post(url, data, content_type="application/json", headers=headers)

    other_app = _zalo_event(delivery.provider_id, app_id="999")
    refused = [
        post(body),  # unsigned
        post(body, _zalo_sign(body, secret="sms-callback-secret")),  # another secret
        post(body.replace(b"user_received_message", b"user_received_messagX"), _zalo_sign(body)),  # tampered
        post(_zalo_event(delivery.provider_id, timestamp="1765083600001"), _zalo_sign(body)),  # timestamp changed
        post(other_app, _zalo_sign(other_app, app_id="999")),  # another app's event, signed by it
        post(body, "sha256=" + hmac.new(b"zalo-callback-secret", body, hashlib.sha256).hexdigest()),  # not Zalo's
    ]
    assert [r.status_code for r in refused] == [403] * 6
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert post(body, _zalo_sign(body)).status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED


def test_a_channel_without_a_callback_secret_accepts_no_callback(client, settings):
    settings.SMS_CALLBACK_SECRET = ""
    settings.ZALO_CALLBACK_SECRET = ""
    body = b'{"id": "x", "status": "delivered"}'
    stamp = "1765083600"
    unkeyed = hmac.new(b"", stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    sms = client.post(
        reverse("notifications:sms_callback"),
        body,
        content_type="application/json",
        headers={"X-Signature": f"t={stamp},v1={unkeyed}"},
    )
    zalo_body = _zalo_event("x")
    zalo = client.post(
        reverse("notifications:zalo_callback"),
        zalo_body,
        content_type="application/json",
        headers={"X-ZEvent-Signature": _zalo_sign(zalo_body, secret="")},
    )
    assert (sms.status_code, zalo.status_code) == (403, 403)
