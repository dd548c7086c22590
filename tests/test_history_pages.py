"""The readable change history of each kind of record staff change: training sessions with their
registrations and attendance, guidance notes, requests for opinion, summaries (django-simple-history, one page)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from collaborators.models import Role
from guidance.services import guidance_publish
from summaries.models import ReportingPeriod
from summaries.services.summaries import summary_schedule
from tests.clock import frozen_clock
from tests.factories import UserFactory
from tests.guidance.conftest import make_note
from tests.guidance.test_pulse import make_pulse
from tests.trainings.conftest import move
from trainings import services as trainings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
_clock = frozen_clock()  # the tests build their dates from "now"


def rows(response) -> int:
    return response.content.decode().count('data-testid="history-row"')


def test_a_sessions_history_shows_its_changes_registrations_and_attendance(
    client, federation_admin, city, union, grassroots, unit_staff, collaborator, other_staff
):
    starts_at = timezone.now() + timedelta(days=3)
    session = trainings.session_create(
        actor=federation_admin,
        unit=city,
        target_units=[union],
        title="Tập huấn cộng tác viên",
        venue="Hội trường",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=4),
        capacity=10,
    )
    trainings.session_publish(actor=federation_admin, session=session)
    registration = trainings.registration_register(session=session, person=collaborator)
    move(session, starts_in=-timedelta(hours=1))
    trainings.attendance_mark(registration=registration, attended=True, actor=federation_admin)
    page = reverse("trainings:history", args=[session.pk])
    client.force_login(federation_admin)
    response = client.get(page)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Registration: Phạm Văn Hùng" in html and "Attended" in html
    assert "Published" in html  # the session's status change
    assert rows(response) >= 4
    assert page in client.get(reverse("trainings:detail", args=[session.pk])).content.decode()
    for outsider in (unit_staff, other_staff, collaborator):  # only the admins who manage it
        client.force_login(outsider)
        assert client.get(page).status_code == 404


def test_a_notes_history_shows_the_draft_and_its_publication(client, unit_staff, union, other_staff, collaborator):
    note = make_note(unit_staff, targets=[union], publish=False)
    guidance_publish(actor=unit_staff, note=note)
    page = reverse("guidance:history", args=[note.pk])
    client.force_login(unit_staff)
    response = client.get(page)
    assert response.status_code == 200 and rows(response) == 2
    assert "Published" in response.content.decode()
    assert page in client.get(reverse("guidance:detail", args=[note.pk])).content.decode()
    for outsider in (other_staff, collaborator):
        client.force_login(outsider)
        assert client.get(page).status_code == 404


def test_a_requests_history_shows_its_opening(client, unit_staff, union, collaborator, other_staff):
    pulse = make_pulse(unit_staff, [union])
    page = reverse("guidance:pulse_history", args=[pulse.pk])
    client.force_login(unit_staff)
    response = client.get(page)
    assert response.status_code == 200 and rows(response) == 2
    assert page in client.get(reverse("guidance:pulse_detail", args=[pulse.pk])).content.decode()
    for outsider in (other_staff, collaborator):
        client.force_login(outsider)
        assert client.get(page).status_code == 404


def test_a_summarys_history_page(client, city, union, unit_staff, other_staff, collaborator):
    summary, _ = summary_schedule(scope=union, period=ReportingPeriod.objects.month_of(date(2026, 10, 1)))
    page = reverse("summaries:history", args=[summary.pk])
    client.force_login(unit_staff)
    response = client.get(page)
    assert response.status_code == 200 and rows(response) == 1
    assert page in client.get(reverse("summaries:detail", args=[summary.pk])).content.decode()
    federation = UserFactory(username="citystaff2", unit=city, role=Role.STAFF)
    client.force_login(federation)
    assert client.get(page).status_code == 200
    for outsider in (other_staff, collaborator):
        client.force_login(outsider)
        assert client.get(page).status_code == 404
