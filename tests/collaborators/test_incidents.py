"""Personal-data incidents: administrators record one (every administrator is told), the page counts down
the 72 hours for telling the authority, a reminder goes once when 24 hours are left, and only
administrators reach any of it."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from collaborators.models import Incident, Role
from collaborators.services.incidents import incident_record, incidents_remind
from collaborators.tasks import remind_incidents
from notifications.management.commands.setup_periodic_tasks import declared_schedules
from notifications.models import Category, Delivery, Notification
from notifications.services.preferences import category_of, preferences_save
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
FOUND = datetime(2026, 11, 20, 8, 0, tzinfo=HANOI)


@pytest.fixture
def admins(city, union):
    return [
        UserFactory(username="cityadmin", full_name="Nguyễn Thị Thu Hương", unit=city, role=Role.ADMIN),
        UserFactory(username="wardadmin", full_name="Trần Văn Quản", unit=union, role=Role.ADMIN),
    ]


@time_machine.travel(datetime(2026, 11, 20, 10, 30, tzinfo=HANOI), tick=False)
def test_an_administrator_records_an_incident_and_every_administrator_is_told(client, admins, unit_staff):
    client.force_login(admins[1])
    response = client.post(
        reverse("roster:incident_list"),
        {"what": "Mất điện thoại có danh sách cộng tác viên", "found_at": "2026-11-20T08:00", "people_affected": "40"},
    )
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("roster:incident_detail", args=[incident.pk])
    assert incident.found_at == FOUND and incident.people_affected == 40 and incident.recorded_by == admins[1]
    told = Notification.objects.filter(kind="incident_recorded")
    assert {n.recipient for n in told} == set(admins)  # not the staff
    page = client.get(reverse("roster:incident_detail", args=[incident.pk]))
    countdown = page.content.decode()
    assert "69 giờ 30 phút" in countdown or "69 h 30 min" in countdown


def test_the_countdown_turns_overdue_and_then_told(client, admins):
    with time_machine.travel(FOUND + timedelta(hours=1), tick=False):
        incident = incident_record(actor=admins[0], what="Lộ tệp xuất", found_at=FOUND, people_affected=5)
    client.force_login(admins[0])
    with time_machine.travel(FOUND + timedelta(hours=75), tick=False):
        page = client.get(reverse("roster:incident_detail", args=[incident.pk]))
        assert page.context["overdue"] and page.context["hours_left"] == 3
        assert client.post(reverse("roster:incident_told", args=[incident.pk])).status_code == 302
    incident.refresh_from_db()
    assert incident.authority_told_at == FOUND + timedelta(hours=75)
    assert incident.history.count() == 2  # recorded, then told


def test_the_reminder_goes_once_when_24_hours_are_left_and_not_after_the_authority_is_told(admins):
    with time_machine.travel(FOUND, tick=False):
        incident = incident_record(actor=admins[0], what="Lộ tệp xuất", found_at=FOUND, people_affected=5)
        other = incident_record(actor=admins[0], what="Đã báo cáo", found_at=FOUND, people_affected=1)
        other.authority_told_at = FOUND + timedelta(hours=1)
        other.save()
    assert incidents_remind(now=FOUND + timedelta(hours=47)) == 0
    assert incidents_remind(now=FOUND + timedelta(hours=48)) == 1
    assert incidents_remind(now=FOUND + timedelta(hours=49)) == 0
    reminders = Notification.objects.filter(kind="incident_reminder")
    assert {n.recipient for n in reminders} == set(admins)
    assert all(n.about_id == incident.pk for n in reminders)


@pytest.mark.parametrize("who", ["collaborator", "unit_staff"])
def test_only_administrators_reach_incidents(client, request, who, admins):
    with time_machine.travel(FOUND, tick=False):
        incident = incident_record(actor=admins[0], what="Lộ tệp xuất", found_at=FOUND, people_affected=5)
        client.force_login(request.getfixturevalue(who))
        assert client.get(reverse("roster:incident_list")).status_code == 404
        assert client.get(reverse("roster:incident_detail", args=[incident.pk])).status_code == 404
        assert client.post(reverse("roster:incident_told", args=[incident.pk])).status_code == 404
        assert (
            client.post(
                reverse("roster:incident_list"), {"what": "x", "found_at": "2026-11-20T07:00", "people_affected": "1"}
            ).status_code
            == 404
        )
    assert Incident.objects.count() == 1


@time_machine.travel(FOUND, tick=False)
def test_a_time_found_in_the_future_is_refused(client, admins):
    client.force_login(admins[0])
    response = client.post(
        reverse("roster:incident_list"), {"what": "x", "found_at": "2026-11-21T08:00", "people_affected": "1"}
    )
    assert response.status_code == 200 and not Incident.objects.exists()


def test_the_reminder_is_a_scheduled_job_that_emails_the_administrators_at_once_even_with_a_digest_chosen(
    admins, mailoutbox, django_capture_on_commit_callbacks
):
    """The job every 30 minutes (collaborators/schedules.py) sends the reminder; incident messages are staff
    alerts that go at once, whatever digest an administrator chose for that category."""
    assert any(spec["task"] == "collaborators.tasks.remind_incidents" for spec in declared_schedules())
    assert category_of("incident_reminder") == category_of("incident_recorded") == Category.STAFF_ALERTS
    preferences_save(user=admins[0], choices={Category.STAFF_ALERTS: (["in_app", "email"], "weekly")})
    with time_machine.travel(FOUND, tick=False):
        incident_record(actor=admins[0], what="Lộ tệp xuất", found_at=FOUND, people_affected=5)
    mailoutbox.clear()
    with time_machine.travel(FOUND + timedelta(hours=49), tick=False), django_capture_on_commit_callbacks(execute=True):
        assert remind_incidents() == 1
    reminder = Notification.objects.get(kind="incident_reminder", recipient=admins[0])
    assert not Delivery.objects.filter(notification=reminder).exclude(cadence="now").exists()
    assert {m.to[0] for m in mailoutbox} >= {admins[0].email}
    assert any("72" in m.subject for m in mailoutbox)
