"""Attendance is taken from the session's day (Hanoi date) on, never days ahead. Time is frozen."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from collaborators.models import TrainingAttendance
from trainings import services
from trainings.models import RegistrationStatus

pytestmark = pytest.mark.django_db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
STARTS = datetime(2026, 3, 21, 8, 0, tzinfo=HANOI)


@pytest.fixture
def registration(federation_admin, city, union, collaborator):
    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=HANOI), tick=False):
        session = services.session_create(
            actor=federation_admin,
            unit=city,
            target_units=[union],
            title="Tập huấn kỹ năng nắm bắt dư luận",
            venue="Hội trường LĐLĐ thành phố",
            starts_at=STARTS,
            ends_at=STARTS + timedelta(hours=4),
            capacity=10,
        )
        services.session_publish(actor=federation_admin, session=session)
        return services.registration_register(session=session, person=collaborator)


def test_attendance_eleven_days_before_the_session_is_refused_with_its_day(registration, unit_staff, english):
    with (
        time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=HANOI), tick=False),
        pytest.raises(ValidationError, match=r"from the day of the session \(21/03/2026\)"),
    ):
        services.attendance_mark(registration=registration, attended=True, actor=unit_staff)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REGISTERED
    assert not TrainingAttendance.objects.exists()


def test_the_session_day_is_the_day_in_hanoi_not_in_utc(registration, unit_staff):
    # 23:30 on the 20th in Hanoi is still the day before; 06:59 on the 21st in Hanoi is the 20th in UTC.
    with (
        time_machine.travel(datetime(2026, 3, 20, 23, 30, tzinfo=HANOI), tick=False),
        pytest.raises(ValidationError),
    ):
        services.attendance_mark(registration=registration, attended=True, actor=unit_staff)
    with time_machine.travel(datetime(2026, 3, 21, 6, 59, tzinfo=HANOI), tick=False):
        services.attendance_mark(registration=registration, attended=True, actor=unit_staff)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ATTENDED


def test_attendance_on_the_day_and_after_is_recorded(registration, unit_staff, collaborator):
    with time_machine.travel(datetime(2026, 3, 23, 10, 0, tzinfo=HANOI), tick=False):
        services.attendance_mark(registration=registration, attended=True, actor=unit_staff)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ATTENDED
    assert list(TrainingAttendance.objects.values_list("person", "attended_on")) == [(collaborator.pk, STARTS.date())]


def test_the_attendance_page_says_when_it_opens_and_offers_no_tick_before(client, registration, unit_staff, english):
    client.force_login(unit_staff)
    session = registration.session
    with time_machine.travel(datetime(2026, 3, 15, 9, 0, tzinfo=HANOI), tick=False):
        page = client.get(reverse("trainings:attendance", args=[session.pk])).content.decode()
        post = client.post(
            reverse("trainings:attendance_mark", args=[session.pk, registration.pk]), {"attended": "1"}, follow=True
        )
    # The notice names the day attendance opens (in whichever language the page is served).
    closed = page.split('data-testid="attendance-closed"', 1)[1].split("</div>", 1)[0]
    assert "21/03/2026" in closed
    messages = [str(m) for m in post.context["messages"]]
    assert len(messages) == 1 and "21/03/2026" in messages[0]
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REGISTERED
