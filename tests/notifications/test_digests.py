"""Digests: daily and weekly, in Vietnamese, exactly once per person and period, scoped."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from notifications.models import Delivery, DeliveryStatus, Digest, Preference
from notifications.services import notification_deliver, notify
from notifications.services.digests import digest_period, digests_due
from tests.clock import frozen_clock
from tests.notifications.providers import verified

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
_clock = frozen_clock()  # the tests build their dates from "now"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=HANOI)  # a Monday


def _write(user, kind, subject, at):
    with time_machine.travel(at, tick=False):
        notification = notify(recipient=user, kind=kind, subject=subject)
        notification_deliver(notification_id=notification.pk)
    return notification


def _daily(user, category="guidance", channels=("in_app", "email")):
    Preference.objects.update_or_create(
        user=user, category=category, defaults={"channels": list(channels), "cadence": "daily"}
    )


def test_the_periods_are_the_last_whole_day_and_week():
    today = MONDAY.date()
    assert digest_period("daily", today) == (today - timedelta(days=1), today)
    assert digest_period("weekly", today) == (today - timedelta(days=7), today)
    assert digest_period("weekly", today + timedelta(days=3)) == (today - timedelta(days=7), today)


def test_a_daily_digest_goes_once_in_vietnamese_with_what_was_held(collaborator):
    _daily(collaborator)
    _write(collaborator, "guidance", "Định hướng về tiền lương", MONDAY - timedelta(hours=20))
    _write(collaborator, "pulse", "Lấy ý kiến về nhà ở", MONDAY - timedelta(hours=15))
    _write(collaborator, "guidance", "Viết hôm nay", MONDAY - timedelta(hours=1))  # today: tomorrow's digest
    assert mail.outbox == []  # held, not sent at once
    assert Delivery.objects.filter(status=DeliveryStatus.HELD).count() == 3
    with time_machine.travel(MONDAY.replace(hour=6, minute=59), tick=False):
        assert digests_due() == 0  # before the digest hour
    with time_machine.travel(MONDAY, tick=False):
        assert digests_due() == 1
        assert digests_due() == 0  # a second run sends nothing
    (message,) = mail.outbox
    assert message.subject == "Bản tin tổng hợp ngày 06/12/2026: 2 thông báo"
    assert "Định hướng về tiền lương" in message.body and "Lấy ý kiến về nhà ở" in message.body
    assert "Viết hôm nay" not in message.body
    assert "đồng chí" in message.body.lower()
    digest = Digest.objects.get()
    assert (digest.cadence, digest.period_start.isoformat(), digest.items) == ("daily", "2026-12-06", 2)
    assert Delivery.objects.filter(digest=digest, status=DeliveryStatus.SENT).count() == 2
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        assert digests_due() == 1
    assert "Viết hôm nay" in mail.outbox[1].body


def test_a_weekly_digest_gathers_the_week_and_goes_once(collaborator):
    Preference.objects.create(user=collaborator, category="trainings", channels=["email"], cadence="weekly")
    _write(collaborator, "training_seat", "Có chỗ tập huấn thứ Ba", MONDAY - timedelta(days=6))
    _write(collaborator, "training_reminder", "Nhắc tập huấn Chủ nhật", MONDAY - timedelta(hours=11))
    for day in range(3):
        with time_machine.travel(MONDAY + timedelta(days=day), tick=False):
            digests_due()
    (message,) = mail.outbox
    assert message.subject == "Bản tin tổng hợp tuần từ 30/11/2026: 2 thông báo"
    assert Digest.objects.get().period_start.isoformat() == "2026-11-30"


def test_a_killed_worker_leaves_the_digest_claimed_until_the_claim_lapses(collaborator, settings):
    _daily(collaborator)
    _write(collaborator, "guidance", "Định hướng", MONDAY - timedelta(hours=20))
    with time_machine.travel(MONDAY, tick=False):
        # A worker claimed the digest and died before sending it.
        start, _end = digest_period("daily", MONDAY.date())
        Digest.objects.create(
            user=collaborator, cadence="daily", period_start=start, claimed_until=MONDAY + timedelta(minutes=5)
        )
        assert digests_due() == 0
        assert mail.outbox == []
    with time_machine.travel(MONDAY + timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS + 1), tick=False):
        assert digests_due() == 1
        assert digests_due() == 0
    assert len(mail.outbox) == 1 and Digest.objects.count() == 1


def test_a_digest_on_sms_counts_once_and_a_failure_is_tried_at_the_next_run(provider, collaborator):
    verified(collaborator)
    _daily(collaborator, channels=["email", "sms"])
    _write(collaborator, "guidance", "Định hướng", MONDAY - timedelta(hours=20))
    provider.plan("/sms/messages", 503)
    with time_machine.travel(MONDAY, tick=False):
        assert digests_due() == 0
    assert len(mail.outbox) == 1  # e-mail went; SMS waits
    assert Digest.objects.get().channels_done == ["email"]
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        assert digests_due() == 1
        assert digests_due() == 0
    assert len(mail.outbox) == 1 and len(provider.sent("/sms/messages")) == 2
    assert "Bản tin tổng hợp" in json.loads(provider.sent("/sms/messages")[-1]["body"])["text"]


def test_a_digest_leaves_out_what_its_reader_can_no_longer_open(collaborator, unit_staff):
    from tests.reports.conftest import make_report

    Preference.objects.create(user=collaborator, category="reviews", channels=["email"], cadence="daily")
    Preference.objects.create(user=collaborator, category="guidance", channels=["email"], cadence="daily")
    with time_machine.travel(MONDAY - timedelta(hours=20), tick=False):
        report = make_report(collaborator, title="Báo cáo cũ")
        accepted = notify(
            recipient=collaborator, about=report, kind="report_accepted", subject="Được tiếp nhận", link="/r/"
        )
        notification_deliver(notification_id=accepted.pk)
    _write(collaborator, "guidance", "Định hướng", MONDAY - timedelta(hours=19))
    report.author = unit_staff  # no longer the collaborator's report
    report.save(update_fields=["author"])
    with time_machine.travel(MONDAY, tick=False):
        assert digests_due() == 1
    (message,) = mail.outbox
    assert "Định hướng" in message.body and "Được tiếp nhận" not in message.body
    assert Delivery.objects.get(notification=accepted).status == DeliveryStatus.SKIPPED
