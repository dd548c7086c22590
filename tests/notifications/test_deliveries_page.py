"""Staff see how notifications reached the people of their scope, and the month's paid messages per unit."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from notifications.models import PaidMessageTally, Preference
from notifications.services import notification_deliver, notify
from tests.clock import frozen_clock
from tests.notifications.providers import verified

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
_clock = frozen_clock()  # the tests build their dates from "now"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NOON = datetime(2026, 12, 7, 12, 0, tzinfo=HANOI)


def _sms_to(user, subject):
    Preference.objects.update_or_create(
        user=user, category="reminders", defaults={"channels": ["in_app", "sms"], "cadence": "now"}
    )
    notification = notify(recipient=user, kind="compliance_reminder", subject=subject)
    notification_deliver(notification_id=notification.pk)


@time_machine.travel(NOON, tick=False)
def test_staff_see_the_deliveries_and_paid_messages_of_their_scope_only(
    client, provider, collaborator, other_collaborator, unit_staff, django_assert_max_num_queries
):
    verified(collaborator, "0912345678")
    verified(other_collaborator, "0987654321")
    _sms_to(collaborator, "Nhắc Ba Đình")
    _sms_to(other_collaborator, "Nhắc Hoàn Kiếm")
    provider.plan("/sms/messages", 400)
    _sms_to(collaborator, "Nhắc bị từ chối")
    client.force_login(unit_staff)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("notifications:deliveries"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Nhắc Ba Đình" in html and "Nhắc bị từ chối" in html and "Hoàn Kiếm" not in html
    assert html.count('data-testid="delivery"') == 2
    paid = html.split('data-testid="paid-messages"')[1].split("</section>")[0]
    assert collaborator.unit.name in paid and other_collaborator.unit.name not in paid
    assert "800" in paid  # one SMS at the estimated price
    failed = client.get(reverse("notifications:deliveries"), {"status": "failed"}).content.decode()
    assert failed.count('data-testid="delivery"') == 1 and "Nhắc bị từ chối" in failed
    assert PaidMessageTally.objects.count() == 2


def test_collaborators_do_not_get_the_page(client, collaborator):
    client.force_login(collaborator)
    assert client.get(reverse("notifications:deliveries")).status_code == 404
