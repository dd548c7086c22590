"""The roster's "trained" and "reported" filters and the person page read the facts the apps above write."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from collaborators.models import CollaboratorProfile, CollaboratorStatus, Role
from collaborators.services import people as services
from tests.factories import UserFactory

pytestmark = pytest.mark.clock

NOW = datetime(2026, 12, 12, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))  # period 12/2026: 15/11–14/12


@pytest.fixture
def people(grassroots, collaborator):
    colleague = UserFactory(unit=grassroots, role=Role.COLLABORATOR, full_name="Trần Thị Hoa")
    for person in (collaborator, colleague):
        CollaboratorProfile.objects.update_or_create(user=person, defaults={"status": CollaboratorStatus.ACTIVE})
    return collaborator, colleague


def listed(client, viewer, **params) -> set:
    with time_machine.travel(NOW, tick=False):
        client.force_login(viewer)
        page = client.get(reverse("roster:person_list"), {"role": "collaborator", **params})
    return {person.full_name for person in page.context["page"]}


def test_trained_in_the_last_12_months_reads_the_attendance_facts(client, people, unit_staff):
    collaborator, colleague = people
    services.training_attendance_record(person=collaborator, session_id=7, on=date(2026, 3, 2))
    services.training_attendance_record(person=colleague, session_id=8, on=date(2025, 11, 30))  # over a year

    assert listed(client, unit_staff, trained="true") == {collaborator.full_name}
    assert listed(client, unit_staff, trained="false") == {colleague.full_name}

    services.training_attendance_withdraw(person=collaborator, session_id=7)  # attendance unticked
    assert listed(client, unit_staff, trained="true") == set()


def test_reported_this_period_reads_the_reporting_facts(client, people, unit_staff, settings):
    settings.REPORTING_PERIOD_START_DAY = 15
    collaborator, colleague = people
    services.reporting_activity_record(person=collaborator, on=date(2026, 11, 14))  # period 11/2026
    services.reporting_activity_record(person=colleague, on=date(2026, 11, 15))  # period 12/2026

    assert listed(client, unit_staff, reported="true") == {colleague.full_name}
    assert listed(client, unit_staff, reported="false") == {collaborator.full_name}


def test_the_person_page_and_the_list_show_the_latest_facts(client, people, unit_staff):
    collaborator, _colleague = people
    services.reporting_activity_record(person=collaborator, on=date(2026, 10, 20))
    services.reporting_activity_record(person=collaborator, on=date(2026, 11, 18))
    services.training_attendance_record(person=collaborator, session_id=3, on=date(2026, 6, 5))
    client.force_login(unit_staff)

    page = client.get(reverse("roster:person_detail", args=[collaborator.pk]))
    assert page.context["activity"] == {"last_reported_on": date(2026, 11, 18), "last_trained_on": date(2026, 6, 5)}
    html = page.content.decode()
    assert "18/11/2026" in html and "05/06/2026" in html
    rows = client.get(reverse("roster:person_list"), {"q": collaborator.full_name}).context["page"]
    assert [person.last_reported_on for person in rows] == [date(2026, 11, 18)]
