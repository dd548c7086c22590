"""Web Push subscribed in a real Chromium, and a notification of the outbox sent to that subscription.

A person grants notifications, presses the preferences page's button; the page's script registers the
service worker and asks the browser's push service for a subscription with the server's VAPID public key,
then posts it to the server, which keeps it for that person. A reminder the person chose to receive by
Web Push then goes out through the outbox and the push adapter to that subscription's endpoint.

What is real and what stands in (no network here, so no Google):
- Chromium is real, in a persistent profile (its incognito contexts have no push service at all: the
  subscribe call fails with "permission denied" whatever was granted). Its push service client (GCM) is
  pointed by Chromium's own switches (``--gcm-checkin-url``, ``--gcm-registration-url``) at a fake
  registration service on loopback, which answers the check-in and hands out a registration token. The
  browser then builds the subscription itself: its endpoint (an ``https://…google.com/fcm/send/<token>``
  URL), and its own P-256 key and auth secret. The test checks that the browser registered with the
  server's VAPID public key as the sender.
- The push service's side of delivery is the local push server of tests/notifications/providers.py: the
  adapter's HTTPS request to the endpoint's host is sent to it instead (the host is Google's, outside
  this system). The test checks the request is encrypted (aes128gcm) to the browser's key and carries a
  VAPID token signed by the server's key for the endpoint's origin.
- Not exercised: the message reaching the browser and the service worker showing it (that needs Google's
  push connection, which the fake does not implement).
"""

import base64
import json
import os
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.db import transaction
from playwright.sync_api import expect

from notifications.models import Channel, ContactSettings, Delivery, DeliveryStatus, Preference, PushSubscription
from notifications.services import notify
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, missing_prerequisite
from tests.browser.pages import log_in
from tests.factories import TEST_PASSWORD
from tests.notifications.providers import provider, vapid_keys  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANDROID_ID, SECURITY_TOKEN = 1234567890123, 9876543210987
GCM_TOKEN = "local-registration-token"


def _varint(number):
    out = b""
    while True:
        low, number = number & 0x7F, number >> 7
        if not number:
            return out + bytes([low])
        out += bytes([low | 0x80])


# AndroidCheckinResponse: stats_ok (1), time_msec (3), android_id (7, fixed64), security_token (8, fixed64),
# settings_diff (9) false.
CHECKIN_RESPONSE = (
    b"\x08\x01\x18"
    + _varint(1_700_000_000_000)
    + b"\x39"
    + struct.pack("<Q", ANDROID_ID)
    + b"\x41"
    + struct.pack("<Q", SECURITY_TOKEN)
    + b"\x48\x00"
)


class FakeRegistrationService:
    """GCM's check-in and registration endpoints, as far as Chromium needs them to subscribe."""

    def __init__(self):
        self.registrations = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, body, content_type):
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == "/checkin":
                    return self._reply(CHECKIN_RESPONSE, "application/x-protobuf")
                form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                service.registrations.append({"authorization": self.headers.get("Authorization"), **form})
                return self._reply(f"token={GCM_TOKEN}".encode(), "text/plain")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def push_browser(tmp_path):
    """A Chromium with a profile of its own, notifications granted, its push client on the fake service."""
    if not CHROMIUM.exists():
        missing_prerequisite(f"the browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with FakeRegistrationService() as gcm, sync_playwright() as playwright:
        args = [
            *[a for a in CHROMIUM_ARGS if a != "--disable-background-networking"],
            f"--gcm-checkin-url={gcm.url}/checkin",
            f"--gcm-registration-url={gcm.url}/c2dm/register3",
            "--gcm-mcs-endpoint=https://127.0.0.1:9",  # nothing listens: no message connection
        ]
        context = playwright.chromium.launch_persistent_context(
            tmp_path / "profile",
            executable_path=str(CHROMIUM),
            args=args,
            locale="en-US",
            permissions=["notifications"],
        )
        try:
            yield context, gcm
        finally:
            context.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _b64(value):
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def test_a_person_subscribes_in_chromium_and_a_reminder_goes_to_that_subscription(
    push_browser,
    live_server,
    collaborator,
    provider,  # noqa: F811 (the fixture imported above)
    settings,
    monkeypatch,
):
    context, gcm = push_browser
    public_key, private_key = vapid_keys(settings)
    page = context.new_page()
    page.set_default_timeout(20_000)
    log_in(page, live_server, collaborator.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/notifications/preferences/")
    button = page.locator("#push-subscribe")
    button.click()
    expect(button).to_have_attribute("data-state", "subscribed")
    expect(page.locator("#push-status")).to_have_text("Thiết bị này sẽ nhận thông báo.")

    # The browser registered with its push service, naming the server's VAPID key as the sender.
    (registration,) = [r for r in gcm.registrations if r.get("X-subtype", "").startswith("wp:")]
    assert registration["sender"] == public_key
    assert registration["authorization"] == f"AidLogin {ANDROID_ID}:{SECURITY_TOKEN}"

    # The subscription the browser holds is the one the server keeps for this person.
    held = page.evaluate(
        "() => navigator.serviceWorker.ready.then(r => r.pushManager.getSubscription()).then(s => s.toJSON())"
    )
    (kept,) = PushSubscription.objects.all()
    assert kept.user == collaborator
    assert kept.endpoint == held["endpoint"] and kept.endpoint.endswith(f"/{GCM_TOKEN}")
    assert (kept.p256dh, kept.auth) == (held["keys"]["p256dh"], held["keys"]["auth"])
    assert len(_b64(kept.p256dh)) == 65 and _b64(kept.p256dh)[0] == 4 and len(_b64(kept.auth)) == 16

    # A reminder chosen by Web Push goes through the outbox to that endpoint, whose host (Google's push
    # service) is stood in for by the local push server.
    endpoint = urlsplit(kept.endpoint)
    real_post = requests.post

    def to_local_push_service(url, *args, **kwargs):
        if url.startswith(f"{endpoint.scheme}://{endpoint.netloc}/"):
            url = f"{provider.url}/push{urlsplit(url).path}"
        return real_post(url, *args, **kwargs)

    monkeypatch.setattr(requests, "post", to_local_push_service)
    ContactSettings.objects.create(user=collaborator, quiet_from=0, quiet_until=0)  # no quiet hours
    Preference.objects.create(user=collaborator, category="reminders", channels=["in_app", "push"], cadence="now")
    with transaction.atomic():
        notification = notify(recipient=collaborator, kind="compliance_reminder", subject="Nhắc gửi báo cáo kỳ này")
    delivery = Delivery.objects.get(notification=notification, channel=Channel.PUSH)
    assert delivery.status == DeliveryStatus.SENT, delivery.last_error
    (pushed,) = provider.sent(f"/push{endpoint.path}")
    assert pushed["headers"]["content-encoding"] == "aes128gcm"
    assert "Nhắc gửi".encode() not in pushed["body"]  # encrypted to the browser's key
    scheme, token_and_key = pushed["headers"]["authorization"].split(" ", 1)
    fields = dict(part.strip().split("=", 1) for part in token_and_key.split(","))
    assert scheme == "vapid" and fields["k"] == public_key
    claims = _verified_jwt(fields["t"], public_key)
    assert claims["aud"] == f"{endpoint.scheme}://{endpoint.netloc}"
    assert not Delivery.objects.filter(notification=notification, channel=Channel.EMAIL).exists()


def _verified_jwt(token, public_key):
    """The claims of a VAPID token, after checking its ES256 signature with ``public_key``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    header, payload, signature = token.split(".")
    raw = _b64(signature)
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _b64(public_key))
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        key.verify(der, f"{header}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        pytest.fail("the VAPID token is not signed by the server's key")
    return json.loads(_b64(payload))
