"""The outbox and follows in the Django admin: deliveries, counts, digests and codes are read, never edited;
the codes never show; a verified number changes only through its code; each person's choices, browsers and
follows are listed to that person only, superusers included."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from collaborators.models import Role
from follows.models import Subscription
from notifications.models import (
    ContactSettings,
    Delivery,
    PhoneVerification,
    Preference,
    PushSubscription,
)
from notifications.services import notification_deliver, notify
from tests.clock import frozen_clock
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
_clock = frozen_clock()


@pytest.fixture
def root(db):
    return UserFactory(username="root", unit=None, role=Role.ADMIN, is_superuser=True, is_staff=True)


def test_deliveries_are_read_never_changed_and_codes_never_show(client, root, collaborator):
    notification = notify(recipient=collaborator, kind="compliance_reminder", subject="Nhắc gửi báo cáo")
    notification_deliver(notification_id=notification.pk)
    delivery = Delivery.objects.get(notification=notification)
    code = PhoneVerification.objects.create(
        user=collaborator, phone="0912345678", code_hash="pbkdf2-secret-hash", expires_at=timezone.now() + timedelta(1)
    )
    client.force_login(root)
    url = reverse("admin:notifications_delivery_change", args=[delivery.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Nhắc gửi báo cáo" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert client.post(url, {"status": "delivered"}).status_code == 403
    assert (
        client.post(reverse("admin:notifications_delivery_delete", args=[delivery.pk]), {"post": "yes"}).status_code
        == 403
    )
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    shown = client.get(reverse("admin:notifications_phoneverification_change", args=[code.pk])).content.decode()
    assert "0912345678" in shown and "pbkdf2-secret-hash" not in shown


def test_a_verified_number_is_not_typed_in_the_admin(client, root):
    contact = ContactSettings.objects.create(user=root, verified_phone="0912345678", phone_verified_at=timezone.now())
    client.force_login(root)
    url = reverse("admin:notifications_contactsettings_change", args=[contact.pk])
    client.post(url, {"user": root.pk, "verified_phone": "0987654321", "quiet_from": 22, "quiet_until": 6})
    contact.refresh_from_db()
    assert contact.verified_phone == "0912345678" and (contact.quiet_from, contact.quiet_until) == (22, 6)


def test_each_persons_choices_browsers_and_follows_are_listed_to_that_person_only(client, root, unit_staff):
    Preference.objects.create(user=unit_staff, category="reminders", channels=["email"], cadence="now")
    PushSubscription.objects.create(user=unit_staff, endpoint="https://push.example.org/theirs", p256dh="k", auth="a")
    Subscription.objects.create(user=unit_staff, kind="unit", unit=unit_staff.unit)
    Preference.objects.create(user=root, category="trainings", channels=["in_app"], cadence="weekly")
    client.force_login(root)
    preferences = client.get(reverse("admin:notifications_preference_changelist")).context["cl"].result_list
    assert [p.user for p in preferences] == [root]
    assert not client.get(reverse("admin:notifications_pushsubscription_changelist")).context["cl"].result_list
    assert not client.get(reverse("admin:follows_subscription_changelist")).context["cl"].result_list
