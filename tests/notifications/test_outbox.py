"""The outbox: rows written with the event, delivered after commit, swept when the broker fails."""

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery import current_app
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.models import Channel, Delivery, DeliveryStatus, Notification
from notifications.services import deliveries_retry_due, notification_deliver, notifications_sweep, notify
from tests.clock import frozen_clock
from tests.helpers import reset_broker_pools

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
_clock = frozen_clock()  # the tests build their dates from "now"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def test_notify_delivers_by_email_after_commit(collaborator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(
            recipient=collaborator, about=collaborator, kind="test", subject="Có báo cáo mới", link="/reports/1/"
        )
    notification.refresh_from_db()
    assert notification.sent_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [collaborator.email]
    assert "/reports/1/" in mail.outbox[0].body


def test_nothing_is_written_or_sent_when_the_event_rolls_back(collaborator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        notify(recipient=collaborator, kind="test", subject="Sẽ bị hủy")
        raise RuntimeError("the event failed")
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_person_without_email_gets_it_in_app_only(collaborator, django_capture_on_commit_callbacks):
    collaborator.email = ""
    collaborator.save()
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient=collaborator, kind="test", subject="Chỉ trong ứng dụng")
    notification.refresh_from_db()
    assert notification.sent_at is not None
    assert mail.outbox == []


def test_broker_down_keeps_the_row_and_the_sweep_delivers_it(collaborator, django_capture_on_commit_callbacks):
    """With Redis unreachable, the request returns quickly, the row waits, the sweep sends it."""
    conf = current_app.conf
    saved = (conf.task_always_eager, conf.broker_url)
    conf.task_always_eager = False
    conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    reset_broker_pools(current_app)
    try:
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            notification = notify(recipient=collaborator, kind="test", subject="Gửi khi broker hỏng")
        elapsed = time.monotonic() - started
    finally:
        conf.task_always_eager, conf.broker_url = saved
        reset_broker_pools(current_app)
    assert elapsed < 15, f"notify() hung for {elapsed:.1f}s with the broker down"
    notification.refresh_from_db()
    assert notification.sent_at is None
    assert mail.outbox == []

    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    assert notifications_sweep() == 1
    notification.refresh_from_db()
    assert notification.sent_at is not None
    assert len(mail.outbox) == 1


def test_delivery_is_idempotent(collaborator):
    notification = notify(recipient=collaborator, kind="test", subject="Một lần thôi")
    assert notification_deliver(notification_id=notification.pk) is True
    assert notification_deliver(notification_id=notification.pk) is False
    assert len(mail.outbox) == 1


def test_a_claimed_row_is_not_sent_twice_until_the_claim_lapses(collaborator):
    notification = notify(recipient=collaborator, kind="test", subject="Đang được gửi")
    Notification.objects.filter(pk=notification.pk).update(claimed_until=timezone.now() + timedelta(minutes=5))
    assert notification_deliver(notification_id=notification.pk) is False
    # A worker that died holding the claim: the claim lapses and the sweep sends it.
    Notification.objects.filter(pk=notification.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1), created_at=timezone.now() - timedelta(minutes=2)
    )
    assert notifications_sweep() == 1
    assert len(mail.outbox) == 1


def test_smtp_failure_leaves_the_delivery_for_a_later_sweep(collaborator, settings, monkeypatch):
    from notifications.services import channels

    def broken_send(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server unreachable")

    start = datetime(2026, 12, 7, 10, 0, tzinfo=HANOI)
    with time_machine.travel(start, tick=False):
        notification = notify(recipient=collaborator, kind="test", subject="SMTP hỏng")
        monkeypatch.setattr(channels.EmailMessage, "send", broken_send)
        assert notification_deliver(notification_id=notification.pk) is True  # routed
        delivery = Delivery.objects.get(notification=notification, channel=Channel.EMAIL)
        assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
        assert "unreachable" in delivery.last_error
        assert delivery.next_attempt_at == start + timedelta(seconds=settings.NOTIFICATION_RETRY_SECONDS)
        monkeypatch.undo()
        assert notifications_sweep() == 0  # not due yet
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        assert notifications_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert [m.subject for m in mail.outbox] == ["SMTP hỏng"]


def test_sweep_is_registered_as_a_periodic_task(db):
    from django.core.management import call_command
    from django_celery_beat.models import PeriodicTask

    call_command("setup_periodic_tasks", verbosity=0)
    call_command("setup_periodic_tasks", verbosity=0)
    task = PeriodicTask.objects.get(name="notifications.sweep")
    assert task.task == "notifications.tasks.sweep_notifications"
    assert task.interval.every == 5 and task.enabled
    assert PeriodicTask.objects.filter(task="notifications.tasks.sweep_notifications").count() == 1


def test_unread_count_shows_in_the_navigation(client, collaborator):
    for i in range(3):
        notify(recipient=collaborator, kind="test", subject=f"Thông báo {i}")
    client.force_login(collaborator)
    html = client.get("/").content.decode()
    assert 'data-testid="unread-count">3<' in html


def test_list_shows_only_my_notifications(client, collaborator, other_collaborator, django_assert_max_num_queries):
    for i in range(30):
        notify(recipient=collaborator, kind="test", subject=f"Của tôi {i}")
    notify(recipient=other_collaborator, kind="test", subject="Của người khác")
    client.force_login(collaborator)
    # Session, user, unit, two counts, the page, the session save: no query per row.
    with django_assert_max_num_queries(10):
        html = client.get(reverse("notifications:list")).content.decode()
    assert "Của tôi" in html and "Của người khác" not in html


def test_opening_marks_read_and_follows_the_link(client, collaborator):
    notification = notify(recipient=collaborator, about=collaborator, kind="test", subject="Mở", link="/notifications/")
    client.force_login(collaborator)
    response = client.post(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_someone_elses_notification_is_404(client, collaborator, unit_staff, other_staff):
    notification = notify(recipient=collaborator, kind="test", subject="Riêng tư")
    for outsider in (unit_staff, other_staff):
        client.force_login(outsider)
        assert client.post(reverse("notifications:open", args=[notification.pk])).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_external_links_are_not_followed(client, collaborator):
    notification = notify(
        recipient=collaborator, about=collaborator, kind="test", subject="Lừa", link="https://evil.example/"
    )
    client.force_login(collaborator)
    response = client.post(reverse("notifications:open", args=[notification.pk]))
    assert response["Location"] == reverse("notifications:list")


def test_mark_all_read(client, collaborator):
    notify(recipient=collaborator, kind="test", subject="A")
    notify(recipient=collaborator, kind="test", subject="B")
    client.force_login(collaborator)
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(recipient=collaborator, read_at__isnull=True).exists()


def test_outside_address_gets_the_files_even_after_a_failed_first_try(db, settings, monkeypatch, tmp_path):
    from notifications.services import channels, notify_address

    settings.MEDIA_ROOT = tmp_path
    with transaction.atomic():
        notification = notify_address(
            email="bantuyengiao@hanoi.example",
            kind="summary_issued",
            subject="Báo cáo tháng 10",
            body="Kính gửi…",
            attachments=[("bao-cao.docx", b"DOCX-BYTES", "application/octet-stream")],
        )
    mail.outbox.clear()

    def broken_send(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server unreachable")

    monkeypatch.setattr(channels.EmailMessage, "send", broken_send)
    assert notification_deliver(notification_id=notification.pk) is True
    assert mail.outbox == []
    monkeypatch.undo()
    Delivery.objects.filter(notification=notification).update(next_attempt_at=timezone.now())
    assert deliveries_retry_due() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["bantuyengiao@hanoi.example"]
    assert message.attachments == [("bao-cao.docx", b"DOCX-BYTES", "application/octet-stream")]
    # Outside addresses are not anybody's in-app notification.
    assert Notification.objects.filter(recipient__isnull=True).count() == 1


def test_a_notification_needs_a_person_or_an_address(db):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(kind="test", subject="Không có người nhận")


def test_the_unread_count_of_someone_with_nothing_unread_is_one_small_query(
    collaborator, other_collaborator, django_assert_num_queries
):
    from notifications.selectors import unread_count

    read = notify(recipient=collaborator, about=collaborator, kind="test", subject="Đã đọc", link="/notifications/")
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    with django_assert_num_queries(1) as captured:
        assert unread_count(collaborator) == 0
    assert "collaborators_user" not in captured.captured_queries[0]["sql"].split("FROM", 1)[1].split("WHERE")[0]
    # With unread rows, the count still hides those about what the person cannot open.
    notify(recipient=collaborator, about=collaborator, kind="test", subject="Của mình", link="/notifications/")
    notify(recipient=collaborator, about=other_collaborator, kind="test", subject="Người khác", link="/notifications/")
    notify(recipient=collaborator, kind="test", subject="Chung")
    assert unread_count(collaborator) == 2
