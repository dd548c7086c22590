"""Notifications through a real broker and a real worker process.

notify() writes the row and publishes deliver_notification after commit;
the worker (a subprocess on the same test database) sends the e-mail with
the console backend, which prints it to the worker's output.
"""

import re
import time
import uuid
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from celery import current_app
from django.db import transaction
from django.utils import timezone

from notifications.models import Notification
from notifications.services import notify
from notifications.tasks import sweep_notifications
from tests.factories import UserFactory
from tests.helpers import reset_broker_pools

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

DELIVERY_TIMEOUT = 30
CLOSED_BROKER_URL = "redis://127.0.0.1:6390/0"  # nothing listens there


def _subjects(output: str) -> list[str]:
    """Decoded Subject headers of the e-mails the console backend printed."""
    found = []
    for match in re.finditer(r"^Subject: ?(.*(?:\n[ \t].*)*)", output, flags=re.MULTILINE):
        raw = re.sub(r"\n[ \t]", " ", match.group(1)).strip()
        try:
            found.append(str(make_header(decode_header(raw))))
        except Exception:  # noqa: BLE001 - keep the raw text if it is not RFC 2047
            found.append(raw)
    return found


def _wait_until_sent(notification, worker) -> Notification:
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while time.monotonic() < deadline:
        notification.refresh_from_db()
        if notification.sent_at is not None:
            return notification
        if worker.process.poll() is not None:
            pytest.fail(f"the worker died:\n{worker.output()[-4000:]}", pytrace=False)
        time.sleep(0.2)
    pytest.fail(
        f"notification {notification.pk} was not sent within {DELIVERY_TIMEOUT} s "
        f"(attempts={notification.attempts}, last_error={notification.last_error!r}). Worker output:\n"
        f"{worker.output()[-4000:]}",
        pytrace=False,
    )


def _assert_printed(worker, subject: str, token: str) -> None:
    deadline = time.monotonic() + 5  # the log line may trail the database update
    while time.monotonic() < deadline:
        output = worker.output()
        if token in output and subject in _subjects(output):
            return
        time.sleep(0.2)
    output = worker.output()
    assert token in output, f"the e-mail body was not printed by the worker:\n{output[-4000:]}"
    assert subject in _subjects(output), f"subject {subject!r} not among {_subjects(output)!r}"


@pytest.fixture
def recipient(grassroots):
    return UserFactory(unit=grassroots, email=f"worker-{uuid.uuid4().hex[:8]}@example.org")


def test_notification_is_delivered_by_the_worker(publish_to_worker, recipient):
    worker = publish_to_worker
    subject = "Kiểm tra giao nhận qua worker"
    token = f"token-{uuid.uuid4().hex}"

    with transaction.atomic():
        notification = notify(recipient=recipient, kind="test", subject=subject, body=f"Nội dung {token}")
        assert Notification.objects.get(pk=notification.pk).sent_at is None

    notification = _wait_until_sent(notification, worker)
    assert notification.attempts == 1
    assert notification.last_error == ""
    _assert_printed(worker, subject, token)


def test_notification_written_while_broker_is_down_is_delivered_by_the_sweep(publish_to_worker, recipient):
    worker = publish_to_worker
    subject = "Kiểm tra quét lại sau khi broker hoạt động"
    token = f"token-{uuid.uuid4().hex}"
    conf = current_app.conf
    real_broker_url = conf.broker_url

    reset_broker_pools(current_app)
    conf.broker_url = CLOSED_BROKER_URL
    try:
        started = time.monotonic()
        with transaction.atomic():
            notification = notify(recipient=recipient, kind="test", subject=subject, body=f"Nội dung {token}")
        elapsed = time.monotonic() - started
    finally:
        reset_broker_pools(current_app)
        conf.broker_url = real_broker_url

    assert elapsed < 10, f"notify() took {elapsed:.1f} s with the broker down: a request would hang"
    notification.refresh_from_db()
    assert notification.sent_at is None
    assert notification.attempts == 0

    # The sweep takes rows older than a minute; age this one instead of waiting.
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    sweep_notifications.delay()

    notification = _wait_until_sent(notification, worker)
    assert notification.attempts == 1
    _assert_printed(worker, subject, token)
