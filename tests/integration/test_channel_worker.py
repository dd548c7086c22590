"""A notification routed to SMS by its recipient's preference, sent by a real worker to the local gateway."""

import json
import threading
import time
import uuid
from http.server import ThreadingHTTPServer

import pytest
from django.db import transaction
from django.utils import timezone

from notifications.models import ContactSettings, Delivery, DeliveryStatus, Preference
from notifications.services import notify
from tests.factories import UserFactory
from tests.integration.conftest import running_worker
from tests.notifications.providers import SMS_KEY, Provider, _handler

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

DELIVERY_TIMEOUT = 30


@pytest.fixture
def gateway():
    state = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def test_a_reminder_chosen_by_sms_reaches_the_gateway_once_and_no_email(grassroots, gateway, tmp_path):
    from celery import current_app

    from tests.helpers import reset_broker_pools

    env = {"SMS_API_URL": f"{gateway.url}/sms", "SMS_API_KEY": SMS_KEY, "SMS_SENDER": "CONGDOAN"}
    person = UserFactory(unit=grassroots, phone="0912345678", email=f"sms-{uuid.uuid4().hex[:8]}@example.org")
    # Verified, and no quiet hours: the worker keeps the real clock.
    ContactSettings.objects.create(
        user=person, verified_phone="0912345678", phone_verified_at=timezone.now(), quiet_from=0, quiet_until=0
    )
    Preference.objects.create(user=person, category="reminders", channels=["in_app", "sms"], cadence="now")
    with running_worker(tmp_path, extra_env=env) as worker:
        conf = current_app.conf
        previous = (conf.task_always_eager, conf.task_default_queue)
        conf.task_always_eager, conf.task_default_queue = False, worker.queue
        reset_broker_pools(current_app)
        try:
            with transaction.atomic():
                notification = notify(recipient=person, kind="compliance_reminder", subject="Nhắc gửi báo cáo qua SMS")
            deadline = time.monotonic() + DELIVERY_TIMEOUT
            while time.monotonic() < deadline:
                done = Delivery.objects.filter(notification=notification, status=DeliveryStatus.SENT).exists()
                if done:
                    break
                if worker.process.poll() is not None:
                    pytest.fail(f"the worker died:\n{worker.output()[-4000:]}", pytrace=False)
                time.sleep(0.2)
            else:
                pytest.fail(f"not sent within {DELIVERY_TIMEOUT} s:\n{worker.output()[-4000:]}", pytrace=False)
        finally:
            conf.task_always_eager, conf.task_default_queue = previous
            reset_broker_pools(current_app)
    (sms,) = gateway.sent("/sms/messages")
    assert json.loads(sms["body"])["to"] == "84912345678"
    assert list(Delivery.objects.filter(notification=notification).values_list("channel", flat=True)) == ["sms"]
