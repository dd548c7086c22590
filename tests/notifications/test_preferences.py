"""Preferences route each kind of notification to the chosen channels; quiet hours hold; the page."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from notifications.models import Channel, ContactSettings, Delivery, DeliveryStatus, Preference
from notifications.services import deliveries_retry_due, notification_deliver, notify
from notifications.services.preferences import category_of, preferences_of
from tests.clock import frozen_clock
from tests.notifications.providers import verified

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
_clock = frozen_clock()  # the tests build their dates from "now"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NOON = datetime(2026, 12, 7, 12, 0, tzinfo=HANOI)
NIGHT = datetime(2026, 12, 7, 23, 30, tzinfo=HANOI)


def _deliver(user, kind, subject="Thông báo"):
    notification = notify(recipient=user, kind=kind, subject=subject)
    notification_deliver(notification_id=notification.pk)
    return notification


def test_kinds_of_the_apps_map_to_the_categories():
    assert category_of("compliance_reminder") == "reminders"
    assert category_of("report_returned") == "reviews"
    assert category_of("guidance_answer") == "answers"
    assert category_of("training_seat") == "trainings"
    assert category_of("report_urgent") == "staff_alerts"
    assert category_of("summary_issued") == "other"


def test_roles_have_their_defaults(collaborator, unit_staff):
    assert preferences_of(collaborator)["reminders"] == (["in_app", "email", "zalo"], "now")
    assert preferences_of(unit_staff)["staff_alerts"][1] == "now"
    assert preferences_of(unit_staff)["guidance"][1] == "daily"


@time_machine.travel(NOON, tick=False)
def test_a_collaborator_who_chose_zalo_for_reminders_gets_one_zalo_message_and_no_email(provider, collaborator):
    verified(collaborator)
    Preference.objects.create(user=collaborator, category="reminders", channels=["in_app", "zalo"], cadence="now")
    notification = _deliver(collaborator, "compliance_reminder", "Nhắc gửi báo cáo")
    assert notification_deliver(notification_id=notification.pk) is False  # a second run sends nothing more
    assert deliveries_retry_due() == 0
    assert list(Delivery.objects.values_list("channel", "status")) == [("zalo", "sent")]
    assert len(provider.sent("/zalo/message/template")) == 1
    assert mail.outbox == []
    # Other categories keep the defaults: e-mail (and Zalo) at once.
    _deliver(collaborator, "report_accepted", "Báo cáo được tiếp nhận")
    assert [m.subject for m in mail.outbox] == ["Báo cáo được tiếp nhận"]


def test_by_default_a_collaborator_without_a_verified_phone_gets_email_only(provider, collaborator):
    _deliver(collaborator, "compliance_reminder")
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["email"]
    assert provider.sent("/zalo/message/template") == []


@time_machine.travel(NIGHT, tick=False)
def test_sms_waits_for_the_end_of_the_quiet_hours_but_email_goes(provider, collaborator):
    verified(collaborator)
    Preference.objects.create(user=collaborator, category="reminders", channels=["email", "sms"], cadence="now")
    notification = _deliver(collaborator, "compliance_reminder")
    sms = Delivery.objects.get(notification=notification, channel=Channel.SMS)
    assert sms.status == DeliveryStatus.PENDING
    assert sms.next_attempt_at == datetime(2026, 12, 8, 7, 0, tzinfo=HANOI)
    assert provider.sent("/sms/messages") == [] and len(mail.outbox) == 1
    with time_machine.travel(datetime(2026, 12, 8, 6, 59, tzinfo=HANOI), tick=False):
        assert deliveries_retry_due() == 0
    with time_machine.travel(datetime(2026, 12, 8, 7, 0, tzinfo=HANOI), tick=False):
        assert deliveries_retry_due() == 1
    assert len(provider.sent("/sms/messages")) == 1


@time_machine.travel(NIGHT, tick=False)
def test_an_urgent_alert_rings_at_night(provider, unit_staff):
    verified(unit_staff, "0911111111")
    Preference.objects.create(user=unit_staff, category="staff_alerts", channels=["sms"], cadence="now")
    _deliver(unit_staff, "report_urgent", "Báo cáo nhanh")
    _deliver(unit_staff, "report_overdue", "Quá hạn")
    texts = [json.loads(r["body"])["text"] for r in provider.sent("/sms/messages")]
    assert len(texts) == 1 and texts[0].startswith("Báo cáo nhanh")
    assert Delivery.objects.get(notification__kind="report_overdue").next_attempt_at == NIGHT.replace(
        day=8, hour=7, minute=0
    )


@time_machine.travel(datetime(2026, 12, 7, 22, 30, tzinfo=HANOI), tick=False)
def test_a_person_sets_their_own_quiet_hours(provider, collaborator):
    verified(collaborator)
    ContactSettings.objects.filter(user=collaborator).update(quiet_from=23, quiet_until=6)
    Preference.objects.create(user=collaborator, category="reminders", channels=["sms"], cadence="now")
    _deliver(collaborator, "compliance_reminder")
    assert len(provider.sent("/sms/messages")) == 1


def test_in_app_off_arrives_already_read(collaborator):
    Preference.objects.create(user=collaborator, category="trainings", channels=["email"], cadence="now")
    notification = _deliver(collaborator, "training_seat")
    notification.refresh_from_db()
    assert notification.read_at is not None and len(mail.outbox) == 1


def test_the_page_shows_the_choices_and_says_which_channels_are_off(client, collaborator, settings):
    settings.SMS_API_URL = ""
    client.force_login(collaborator)
    page = client.get(reverse("notifications:preferences"))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-testid="preference-row"') == 6  # no alerts for staff
    assert "SMS" in html.split('data-testid="channels-off"')[1].split("</div>")[0]
    assert 'value="sms"' not in html


def test_staff_also_choose_for_staff_alerts(client, unit_staff):
    client.force_login(unit_staff)
    assert client.get(reverse("notifications:preferences")).content.decode().count('data-testid="preference-row"') == 7


def test_saving_the_page_stores_the_choices(client, collaborator, provider):
    client.force_login(collaborator)
    data = {"quiet_from": "22", "quiet_until": "6"}
    for category in ["reminders", "guidance", "answers", "reviews", "trainings", "other"]:
        data[f"{category}-cadence"] = "now"
        data[f"{category}-channels"] = ["in_app", "email"]
    data["reminders-channels"] = ["sms"]
    data["guidance-cadence"] = "weekly"
    data["staff_alerts-channels"] = ["sms"]  # not offered to a collaborator: ignored
    response = client.post(reverse("notifications:preferences"), data)
    assert response.status_code == 302
    assert preferences_of(collaborator)["reminders"] == (["sms"], "now")
    assert preferences_of(collaborator)["guidance"] == (["in_app", "email"], "weekly")
    assert not Preference.objects.filter(user=collaborator, category="staff_alerts").exists()
    contact = ContactSettings.objects.get(user=collaborator)
    assert (contact.quiet_from, contact.quiet_until) == (22, 6)


def test_a_bad_choice_is_refused(client, collaborator):
    client.force_login(collaborator)
    response = client.post(reverse("notifications:preferences"), {"quiet_from": "25", "quiet_until": "6"})
    assert response.status_code == 200
    assert not Preference.objects.exists()


def test_the_installed_app_shows_web_push_and_opens_only_this_site(client):
    script = client.get("/sw.js").content.decode()
    assert 'addEventListener("push"' in script and "showNotification" in script
    assert "url.origin !== self.location.origin" in script.split('addEventListener("notificationclick"')[1]


def test_the_preferences_are_linked_from_the_profile_and_the_notifications(client, collaborator, unit_staff):
    client.force_login(collaborator)
    profile = client.get(reverse("roster:person_detail", args=[collaborator.pk])).content.decode()
    assert reverse("notifications:preferences") in profile
    listing = client.get(reverse("notifications:list")).content.decode()
    assert 'data-testid="preferences-link"' in listing and 'data-testid="follows-link"' not in listing
    client.force_login(unit_staff)
    listing = client.get(reverse("notifications:list")).content.decode()
    assert reverse("follows:list") in listing and reverse("notifications:deliveries") in listing
