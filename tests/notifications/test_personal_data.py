"""What the outbox and the follows hold about a person is in their own-data file and page, and goes when
they are anonymised: notification choices, the verified phone and the numbers codes went to, push
subscriptions, deliveries and digests, what they follow."""

import json
from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from collaborators.models import Role
from collaborators.selectors import personal_data_export
from collaborators.services import people
from follows.models import FollowEvent, Subscription
from follows.services import subscription_add
from notifications.models import (
    Delivery,
    Digest,
    Notification,
    NotificationAttachment,
    PaidMessageTally,
    PhoneVerification,
    Preference,
    PushSubscription,
)
from notifications.services import notification_deliver, notify, notify_address
from reports.models import Topic
from tests.clock import frozen_clock
from tests.factories import UserFactory
from tests.notifications.providers import verified

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
_clock = frozen_clock()


@pytest.fixture
def held(provider, collaborator):
    """A collaborator with every kind of outbox data: choices, a verified phone, a code sent, a browser,
    a reminder delivered by SMS, a digest."""
    verified(collaborator)
    PhoneVerification.objects.create(
        user=collaborator, phone="0912345678", code_hash="x", expires_at=timezone.now() + timedelta(minutes=10)
    )
    Preference.objects.create(user=collaborator, category="reminders", channels=["in_app", "sms"], cadence="now")
    PushSubscription.objects.create(
        user=collaborator, endpoint="https://push.example.org/send/abc", p256dh="k", auth="a"
    )
    notification = notify(recipient=collaborator, kind="compliance_reminder", subject="Nhắc gửi báo cáo kỳ này")
    notification_deliver(notification_id=notification.pk)
    Digest.objects.create(user=collaborator, cadence="daily", period_start=date(2026, 12, 2), channels_done=["email"])
    return collaborator


def test_the_own_data_file_holds_the_outbox_choices_phone_browsers_and_deliveries(client, held):
    client.force_login(held)
    data = json.loads(client.get(reverse("roster:my_data")).content)
    assert data["notification_preferences"] == [
        {
            "category": "reminders",
            "category_label": "Nhắc việc",
            "channels": "in_app, sms",
            "channels_label": "Trong ứng dụng, SMS",
            "cadence": "now",
            "cadence_label": "Ngay lập tức",
        }
    ]
    contact = data["phone_and_quiet_hours"]
    assert contact[0]["verified_phone"] == "0912345678" and contact[0]["phone_verified_at"]
    (code,) = data["phone_codes"]
    assert code["phone"] == "0912345678" and "code_hash" not in code  # never the code
    assert [s["endpoint"] for s in data["push_subscriptions"]] == ["https://push.example.org/send/abc"]
    channels = {(d["subject"], d["channel"], d["outcome"]) for d in data["deliveries"]}
    assert ("Nhắc gửi báo cáo kỳ này", "sms", "sent") in channels
    assert ("sms", "Đã gửi") in {(d["channel"], d["outcome_label"]) for d in data["deliveries"]}
    assert any(d["subject"] == "Bản tin tổng hợp hằng ngày 02/12/2026" for d in data["deliveries"])

    page = client.get(reverse("roster:my_data_page")).content.decode()
    sections = ("notification_preferences", "phone_and_quiet_hours", "phone_codes", "push_subscriptions", "deliveries")
    for section in sections:
        assert f'data-testid="my-data-{section}"' in page
    assert "Số điện thoại đã xác minh" in page and "https://push.example.org/send/abc" in page


def test_the_own_data_file_holds_what_staff_follow(unit_staff, grassroots):
    topic = Topic.objects.create(code="FOLLOW-T", name="Tiền lương")
    subscription_add(actor=unit_staff, kind="topic", target_id=topic.pk)
    subscription_add(actor=unit_staff, kind="unit", target_id=grassroots.pk)
    follows = personal_data_export(user=unit_staff)["follows"]
    assert {(f["what"], f["what_label"], f["object"]) for f in follows} == {
        ("topic", "Lĩnh vực", "Tiền lương"),
        ("unit", "Đơn vị", grassroots.name),
    }


def test_anonymising_a_person_erases_what_the_outbox_and_follows_hold(held, union):
    admin_user = UserFactory(username="anon-admin", unit=union, role=Role.ADMIN)
    topic = Topic.objects.create(code="FOLLOW-T", name="Tiền lương")
    subscription = Subscription.objects.create(user=held, kind="topic", topic=topic)
    FollowEvent.objects.create(subscription=subscription, key="rise:2026-W49")
    tallies = list(PaidMessageTally.objects.values_list("messages", flat=True))
    people.person_change_status(actor=admin_user, user=held, to_status="left", reason="Chuyển công tác")
    people.person_anonymise(actor=admin_user, user=held)
    for model in (Notification, Delivery, Digest, PhoneVerification, Preference, PushSubscription):
        owner = "recipient" if model is Notification else ("notification__recipient" if model is Delivery else "user")
        assert not model.objects.filter(**{owner: held}).exists(), model.__name__
    assert not Subscription.objects.filter(user=held).exists() and not FollowEvent.objects.exists()
    # The unit's paid-message counts are figures, not the person's data: they stay.
    assert list(PaidMessageTally.objects.values_list("messages", flat=True)) == tallies == [1]
    assert personal_data_export(user=held)["phone_and_quiet_hours"] == []


def _section(page, key):
    start = page.index(f'data-testid="my-data-{key}"')
    return page[start : page.index("</section>", start)]


def test_the_page_reads_the_labels_of_choices_and_no_stored_code(client, collaborator, unit_staff, grassroots):
    """A collaborator who chose Zalo reads "Zalo", "Nhắc việc", "Bản tin tổng hợp hằng ngày" on their page,
    never "zalo", "reminders", "daily"; the file keeps the codes with their labels beside them."""
    Preference.objects.create(user=collaborator, category="reminders", channels=["zalo", "email"], cadence="daily")
    client.force_login(collaborator)
    page = client.get(reverse("roster:my_data_page")).content.decode()
    choices = _section(page, "notification_preferences")
    assert "Nhắc việc" in choices and "Zalo, Thư điện tử" in choices and "Bản tin tổng hợp hằng ngày" in choices
    for code in ("zalo", "reminders", "daily", "email"):
        assert code not in choices
    assert "_label" not in page
    data = json.loads(client.get(reverse("roster:my_data")).content)
    (choice,) = data["notification_preferences"]
    assert choice["channels"] == "zalo, email" and choice["channels_label"] == "Zalo, Thư điện tử"
    assert data["account"]["role"] == "collaborator" and data["account"]["role_label"] == "Cộng tác viên"

    topic = Topic.objects.create(code="FOLLOW-P", name="Nhà ở")
    subscription_add(actor=unit_staff, kind="topic", target_id=topic.pk)
    client.force_login(unit_staff)
    follows = _section(client.get(reverse("roster:my_data_page")).content.decode(), "follows")
    assert "Lĩnh vực" in follows and "Nhà ở" in follows and ">topic<" not in follows


def test_anonymising_a_person_deletes_their_messages_files_and_keeps_others(
    held, other_collaborator, union, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    admin_user = UserFactory(username="anon-files-admin", unit=union, role=Role.ADMIN)
    stored = {}
    for owner in (held, other_collaborator):
        message = notify(recipient=owner, kind="summary_issued", subject="Báo cáo tổng hợp")
        attachment = NotificationAttachment(notification=message, filename="tong-hop.docx", content_type="x")
        attachment.file.save("tong-hop.docx", ContentFile(b"noi dung"), save=True)
        stored[owner.pk] = tmp_path / attachment.file.name
    outside = notify_address(email="so@example.vn", kind="summary_issued", subject="Tổng hợp", attachments=[
        ("tong-hop.xlsx", b"bang", "x")
    ])  # fmt: skip
    outside_file = tmp_path / outside.attachments.get().file.name
    assert all(path.exists() for path in [*stored.values(), outside_file])
    people.person_change_status(actor=admin_user, user=held, to_status="left", reason="Chuyển công tác")
    with django_capture_on_commit_callbacks(execute=True):
        people.person_anonymise(actor=admin_user, user=held)
    assert not stored[held.pk].exists()
    assert not stored[held.pk].parent.exists() and tmp_path.is_dir()  # the emptied outbox/<id>/ goes too
    assert stored[other_collaborator.pk].exists() and outside_file.exists()
    assert NotificationAttachment.objects.filter(notification__recipient=other_collaborator).exists()
