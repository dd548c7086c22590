"""Queueing from a request never waits on the broker: one publish, one warning line, then the sweep's turn."""

import logging

import pytest
from celery import current_app
from django.core.signals import request_started
from django.db import close_old_connections

from core.tasks import broker_failed, enqueue, enqueue_on_commit
from notifications.models import Notification
from notifications.services import notify
from notifications.tasks import deliver_notification
from tests.helpers import reset_broker_pools

pytestmark = pytest.mark.django_db

CLOSED_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def broker_down():
    conf = current_app.conf
    saved = (conf.task_always_eager, conf.broker_url)
    conf.task_always_eager = False
    conf.broker_url = CLOSED_BROKER_URL
    reset_broker_pools(current_app)
    _new_request()
    yield
    conf.task_always_eager, conf.broker_url = saved
    reset_broker_pools(current_app)
    _new_request()


def _new_request():
    """What the start of a request does for the queueing helper, without Django's closing of the database
    connection that also listens to it (inside a test's transaction that would close the test's connection)."""
    request_started.disconnect(close_old_connections)
    try:
        request_started.send(sender=None)
    finally:
        request_started.connect(close_old_connections)


def _warnings(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.WARNING]


def test_without_a_broker_the_task_runs_in_the_process(collaborator):
    notification = notify(recipient=collaborator, kind="test", subject="Chạy ngay trong tiến trình")
    assert enqueue(deliver_notification, notification.pk) is True
    notification.refresh_from_db()
    assert notification.sent_at is not None


def test_a_failed_publish_is_one_warning_line_and_the_rest_of_the_request_waits_for_the_sweep(
    broker_down, collaborator, caplog
):
    rows = [notify(recipient=collaborator, kind="test", subject=f"Tin {n}") for n in range(3)]
    with caplog.at_level(logging.DEBUG, logger="core.tasks"):
        results = [enqueue(deliver_notification, row.pk) for row in rows]

    assert results == [False, False, False]
    assert broker_failed()
    warnings = _warnings(caplog)
    assert len(warnings) == 1
    line = warnings[0].getMessage()
    assert line.startswith(
        f"Could not queue notifications.tasks.deliver_notification({rows[0].pk}): OperationalError: "
    )
    assert "\n" not in line and warnings[0].exc_info is None
    assert not Notification.objects.filter(sent_at__isnull=False).exists()


def test_the_next_request_tries_the_broker_again(broker_down, collaborator, caplog):
    row = notify(recipient=collaborator, kind="test", subject="Thử lại ở yêu cầu sau")
    with caplog.at_level(logging.WARNING):
        enqueue(deliver_notification, row.pk)
        _new_request()
        assert not broker_failed()
        enqueue(deliver_notification, row.pk)
    assert len(_warnings(caplog)) == 2


def test_enqueue_on_commit_queues_only_once_the_transaction_commits(collaborator, django_capture_on_commit_callbacks):
    row = notify(recipient=collaborator, kind="test", subject="Sau khi lưu")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue_on_commit(deliver_notification, row.pk)
    row.refresh_from_db()
    assert row.sent_at is None and len(callbacks) == 1
    callbacks[0]()
    row.refresh_from_db()
    assert row.sent_at is not None
