"""Figures gathered from several units show what the reader's scope allows, and say whose they are:
a training's feedback, a rumour's sightings, the rumours a note answers."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from collaborators.models import Role
from guidance.services import guidance_publish, guidance_save
from reports.models import ReportKind, Topic
from reports.services import report_save, rumour_create, rumour_link
from tests.clock import frozen_clock
from tests.factories import UserFactory
from tests.trainings.conftest import move
from trainings import services as trainings

pytestmark = pytest.mark.django_db
_clock = frozen_clock()  # the tests build their dates from "now"


def _rumour_report(author, title):
    data = {
        "kind": ReportKind.RUMOUR,
        "topic": Topic.objects.order_by("order", "pk").first(),
        "title": title,
        "content": "Công nhân truyền tai nhau một tin chưa được kiểm chứng.",
    }
    return report_save(author=author, token=uuid.uuid4(), data=data, submit=True)[0]


@pytest.fixture
def city_session(city, federation_admin, collaborator, other_collaborator, unit_staff, other_staff):
    """A city-wide session attended by one collaborator of each union, each rating it differently."""
    starts = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    session = trainings.session_create(
        actor=federation_admin,
        unit=city,
        target_units=[city],
        title="Tập huấn toàn thành phố",
        venue="Hội trường LĐLĐ",
        starts_at=starts,
        ends_at=starts + timedelta(hours=4),
        capacity=20,
    )
    trainings.session_publish(actor=federation_admin, session=session)
    ratings = {collaborator: (5, "Rất bổ ích cho phường A"), other_collaborator: (1, "Chưa sát thực tế phường B")}
    registrations = {}
    for person in ratings:
        registrations[person] = trainings.registration_register(session=session, person=person)
    move(session, starts_in=timedelta(hours=-6))  # attendance is taken from the session's day
    for person in ratings:
        trainings.attendance_mark(registration=registrations[person], attended=True, actor=federation_admin)
    for person, (rating, comment) in ratings.items():
        trainings.feedback_submit(registration=registrations[person], rating=rating, comment=comment)
    return session


def test_a_unions_staff_see_only_their_peoples_feedback_and_are_told_so(client, city_session, unit_staff, other_staff):
    url = reverse("trainings:results", args=[city_session.pk])
    client.force_login(unit_staff)
    response = client.get(url)
    html = response.content.decode()
    assert response.context["average"] == 5 and response.context["count"] == 1
    assert "Rất bổ ích cho phường A" in html and "Chưa sát thực tế phường B" not in html
    assert response.context["whole"] is False
    assert 'data-testid="results-scope"' in html and unit_staff.unit.name in html

    client.force_login(other_staff)
    response = client.get(url)
    assert response.context["average"] == 1 and response.context["count"] == 1
    assert "Rất bổ ích cho phường A" not in response.content.decode()


def test_the_federation_sees_the_whole_session_labelled_as_such(client, city_session, federation_admin):
    client.force_login(federation_admin)
    response = client.get(reverse("trainings:results", args=[city_session.pk]))
    assert response.context["average"] == 3 and response.context["count"] == 2
    assert response.context["whole"] is True
    html = response.content.decode()
    assert "Rất bổ ích cho phường A" in html and "Chưa sát thực tế phường B" in html


@pytest.fixture
def city_rumour(city, collaborator, other_collaborator):
    """A rumour tracked by the federation, heard twice in union A and once in union B."""
    federation = UserFactory(unit=city, role=Role.STAFF)
    sightings = [
        _rumour_report(collaborator, "Tin đồn A1"),
        _rumour_report(collaborator, "Tin đồn A2"),
        _rumour_report(other_collaborator, "Tin đồn B1"),
    ]
    rumour = rumour_create(actor=federation, title="Tin đồn chung toàn thành phố", report=sightings[0])
    for report in sightings[1:]:
        rumour_link(actor=federation, report=report, rumour=rumour)
    rumour.refresh_from_db()
    assert rumour.sighting_count == 3
    return rumour


def test_a_unions_staff_see_their_sightings_beside_the_city_wide_count(client, english, city_rumour, unit_staff):
    client.force_login(unit_staff)
    html = client.get(reverse("reports:rumour_list")).content.decode()
    row = html.split('data-testid="sighting-count"')[1].split("</td>")[0]
    assert ">2" in row and "3 city-wide" in row

    detail = client.get(reverse("reports:rumour_detail", args=[city_rumour.pk])).content.decode()
    assert 'data-testid="sighting-count-scope">2<' in detail
    assert 'data-testid="sighting-count">3<' in detail and "Sightings in the whole city" in detail
    # The list below the figures says whose it is: the union's, not the city's.
    assert "Sightings in Công đoàn phường Ba Đình and the units under it" in detail
    assert "First seen in the city" in detail and "Last seen in the city" in detail


def test_a_unions_staff_read_whose_figures_they_are_in_vietnamese(client, city_rumour, unit_staff):
    client.force_login(unit_staff)
    detail = client.get(reverse("reports:rumour_detail", args=[city_rumour.pk])).content.decode()
    assert "Lần ghi nhận trên toàn thành phố" in detail
    assert "Lần ghi nhận tại Công đoàn phường Ba Đình và các đơn vị trực thuộc (2)" in detail
    assert "Ghi nhận lần đầu trên địa bàn thành phố" in detail


def test_a_collaborator_reads_the_city_figures_as_the_citys(client, english, city_rumour, collaborator):
    client.force_login(collaborator)
    detail = client.get(reverse("reports:rumour_detail", args=[city_rumour.pk])).content.decode()
    assert 'data-testid="sighting-count">3<' in detail and "Sightings in the whole city" in detail
    assert "sighting-count-scope" not in detail
    assert "Your reports of this rumour (2)" in detail


def test_the_federation_sees_one_count_when_its_scope_is_the_whole(client, city_rumour, federation_admin):
    client.force_login(federation_admin)
    html = client.get(reverse("reports:rumour_list")).content.decode()
    row = html.split('data-testid="sighting-count"')[1].split("</td>")[0]
    assert ">3" in row and "sighting-count-city" not in row
    detail = client.get(reverse("reports:rumour_detail", args=[city_rumour.pk])).content.decode()
    assert "and the units under it" not in detail


def test_a_note_shows_only_the_rumours_its_reader_can_open(
    client, city, union, other_union, collaborator, other_collaborator, unit_staff, other_staff, federation_admin
):
    # A rumour tracked by union B's staff (listed for B only) and one by the federation (listed for the city).
    heard_in_b = rumour_create(actor=other_staff, title="Tin đồn chỉ phường B theo dõi")
    citywide = rumour_create(actor=federation_admin, title="Tin đồn cả thành phố theo dõi")
    note = guidance_save(
        author=federation_admin,
        data={
            "title": "Định hướng cho phường A",
            "body": "<p>Nội dung</p>",
            "target_units": [union],
            "rumours": [heard_in_b, citywide],
        },
    )
    guidance_publish(actor=federation_admin, note=note)
    client.force_login(collaborator)
    html = client.get(reverse("guidance:detail", args=[note.pk])).content.decode()
    assert citywide.title in html
    assert heard_in_b.title not in html


def test_a_note_cannot_answer_a_rumour_its_author_cannot_open(union, other_staff, unit_staff):
    outside = rumour_create(actor=other_staff, title="Tin đồn của phường B")
    with pytest.raises(ValidationError):
        guidance_save(
            author=unit_staff,
            data={"title": "Định hướng", "body": "<p>Nội dung</p>", "target_units": [union], "rumours": [outside]},
        )
