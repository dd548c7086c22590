"""Local stand-ins for the message providers, on loopback, started by the tests that use them.

One small HTTP server implements the endpoints the adapters call, as the providers document them:
the SMS gateway (``POST /sms/messages`` with a bearer key, ``{"id": ...}`` back), Zalo's OAuth token
refresh (``POST /oauth/v4/oa/access_token``) and ZNS template message (``POST /zalo/message/template``,
an ``error`` code in a 200 answer), and a Web Push service (``POST /push/<id>``, 201 Created).
A test plans the answers of a path in order: ``"ok"``, ``"timeout"`` (answers after the client gave up),
``429`` (with ``Retry-After``), any other status, or ``("zalo", code)``; when the plan is used up the
answer is ``"ok"``. Every request is recorded.
"""

import json
import threading
import time
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

SMS_KEY = "sms-test-key"
ZALO_SECRET = "zalo-secret"


class Provider:
    def __init__(self):
        self.plans = defaultdict(deque)
        self.requests = []
        self.tokens_issued = 0
        self.valid_token = ""
        self.delay = 1.5
        self.retry_after = "120"
        self.accepted = []  # (path, the provider's message id): what the provider took to send

    def plan(self, path, *answers):
        self.plans[path].extend(answers)

    def sent(self, path):
        return [r for r in self.requests if r["path"] == path]


def _handler(provider: Provider):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, status, payload=None, headers=()):
            body = json.dumps(payload if payload is not None else {}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            path = self.path
            provider.requests.append(
                {"path": path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": raw}
            )
            key = "/push" if path.startswith("/push/") else path
            answer = provider.plans[key].popleft() if provider.plans[key] else "ok"
            if answer == "timeout":
                time.sleep(provider.delay)
                return self._answer(200, {"id": "late"})
            if answer == 429:
                return self._answer(429, {"error": "rate limited"}, [("Retry-After", provider.retry_after)])
            if isinstance(answer, int):
                return self._answer(answer, {"error": "refused" if answer < 500 else "server error"})
            if path == "/oauth/v4/oa/access_token":
                if self.headers.get("secret_key") != ZALO_SECRET:
                    return self._answer(200, {"error": -14014, "error_description": "invalid secret"})
                provider.tokens_issued += 1
                provider.valid_token = f"access-{provider.tokens_issued}"
                refresh = f"refresh-{provider.tokens_issued}"
                return self._answer(
                    200, {"access_token": provider.valid_token, "refresh_token": refresh, "expires_in": "90000"}
                )
            if path == "/zalo/message/template":
                if isinstance(answer, tuple):
                    return self._answer(200, {"error": answer[1], "message": "planned error"})
                if self.headers.get("access_token") != provider.valid_token:
                    return self._answer(200, {"error": -124, "message": "Access token is invalid"})
                msg_id = f"z{len(provider.requests)}"
                provider.accepted.append((path, msg_id))
                return self._answer(200, {"error": 0, "message": "Success", "data": {"msg_id": msg_id}})
            if path == "/sms/messages":
                if self.headers.get("Authorization") != f"Bearer {SMS_KEY}":
                    return self._answer(401, {"error": "bad key"})
                provider.accepted.append((path, f"s{len(provider.requests)}"))
                return self._answer(200, {"id": f"s{len(provider.requests)}"})
            if path.startswith("/push/"):
                return self._answer(201)
            return self._answer(404)

    return Handler


@pytest.fixture
def provider(settings):
    """The local providers, with the channels configured to use them."""
    state = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    state.url = url
    settings.NOTIFICATION_HTTP_TIMEOUT = 0.5
    settings.SMS_API_URL = f"{url}/sms"
    settings.SMS_API_KEY = SMS_KEY
    settings.SMS_SENDER = "CONGDOAN"
    settings.SMS_CALLBACK_SECRET = "sms-callback-secret"
    settings.ZALO_API_URL = f"{url}/zalo"
    settings.ZALO_OAUTH_URL = f"{url}/oauth"
    settings.ZALO_APP_ID = "123"
    settings.ZALO_SECRET_KEY = ZALO_SECRET
    settings.ZALO_REFRESH_TOKEN = "refresh-0"
    settings.ZALO_TEMPLATE_ID = "tmpl-1"
    settings.ZALO_CALLBACK_SECRET = "zalo-callback-secret"
    yield state
    server.shutdown()
    server.server_close()


def verified(user, phone="0912345678"):
    """Give ``user`` a roster phone and mark it verified (what the code check does)."""
    from django.utils import timezone

    from notifications.models import ContactSettings

    user.phone = phone
    user.save(update_fields=["phone"])
    ContactSettings.objects.update_or_create(
        user=user, defaults={"verified_phone": phone, "phone_verified_at": timezone.now()}
    )
    return user


def vapid_keys(settings):
    """A new VAPID key pair set as the server's; returns (public key, private key) as the settings hold them."""
    import base64

    from cryptography.hazmat.primitives import serialization
    from py_vapid import Vapid

    vapid = Vapid()
    vapid.generate_keys()
    der = vapid.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    settings.WEBPUSH_VAPID_PRIVATE_KEY = base64.urlsafe_b64encode(der).rstrip(b"=").decode()
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    settings.WEBPUSH_VAPID_PUBLIC_KEY = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    return settings.WEBPUSH_VAPID_PUBLIC_KEY, settings.WEBPUSH_VAPID_PRIVATE_KEY
