"""Training pages with the three actors: the owner side (admin, staff of the subtree), the participant,
and outsiders from another union (404)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar

from collaborators.models import TrainingAttendance
from notifications.models import Notification
from tests.clock import frozen_clock
from tests.factories import UserFactory
from tests.trainings.conftest import move
from trainings import selectors, services
from trainings.models import Material, Registration, RegistrationStatus, SessionStatus, TrainingSession

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
_clock = frozen_clock()  # the tests build their dates from "now"


def vi(message):
    with translation.override("vi"):
        return str(translation.gettext(message))


def url(name, *args):
    return reverse(f"trainings:{name}", args=args)


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


# --- visibility ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("collaborator", 200),
        ("unit_staff", 200),
        ("federation_admin", 200),
        ("other_staff", 404),
        ("other_collaborator", 404),
    ],
)
def test_session_page_is_seen_by_the_target_subtree_and_hidden_from_other_unions(
    request, login, session, actor, expected
):
    response = login(request.getfixturevalue(actor)).get(url("detail", session.pk))
    assert response.status_code == expected
    if expected == 200:
        assert session.title in response.content.decode()


@pytest.mark.parametrize(("actor", "expected"), [("collaborator", 404), ("unit_staff", 404), ("federation_admin", 200)])
def test_a_draft_is_seen_only_by_the_organising_subtree(request, login, make_session, actor, expected):
    draft = make_session(publish=False)
    assert login(request.getfixturevalue(actor)).get(url("detail", draft.pk)).status_code == expected


def test_the_list_shows_sessions_open_to_the_viewer_only(login, session, collaborator, other_collaborator, other_staff):
    assert session.title in login(collaborator).get(url("list")).content.decode()
    for outsider in (other_collaborator, other_staff):
        page = login(outsider).get(url("list"))
        assert page.status_code == 200
        assert session.title not in page.content.decode()


def test_past_sessions_are_listed_separately(login, make_session, collaborator):
    old = make_session(title="Buổi tập huấn đã qua")
    move(old, starts_in=timedelta(days=-10))
    client = login(collaborator)
    assert "Buổi tập huấn đã qua" not in client.get(url("list")).content.decode()
    assert "Buổi tập huấn đã qua" in client.get(url("list") + "?when=past").content.decode()


def test_the_month_view_shows_the_session_on_its_day(login, session, collaborator):
    start = timezone.localtime(session.starts_at)
    response = login(collaborator).get(url("month") + f"?year={start.year}&month={start.month}")
    assert response.status_code == 200
    assert session.title in response.content.decode()
    assert login(collaborator).get(url("month") + "?year=abc&month=13").status_code == 200


def _list_queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("actor", ["collaborator", "unit_staff"])
def test_list_pages_use_a_constant_number_of_queries(
    request, login, make_session, colleagues, actor, django_assert_max_num_queries
):
    client = login(request.getfixturevalue(actor))
    make_session(title="Một")
    few = {path: _list_queries(client, path) for path in (url("list"), url("month"))}
    people = colleagues(3)
    for i in range(12):
        extra = make_session(title=f"Buổi {i}", starts_in=timedelta(days=2, hours=i))
        for person in people:
            services.registration_register(session=extra, person=person)
    for path, count in few.items():
        with django_assert_max_num_queries(count):
            client.get(path)
    with django_assert_max_num_queries(15):
        client.get(url("list"))


def test_attendance_list_uses_a_constant_number_of_queries(
    login, session, colleagues, unit_staff, django_assert_max_num_queries
):
    client = login(unit_staff)
    for person in colleagues(2):
        services.registration_register(session=session, person=person)
    few = _list_queries(client, url("attendance", session.pk))
    session.capacity = 0
    session.save()
    for person in colleagues(20):
        services.registration_register(session=session, person=person)
    with django_assert_max_num_queries(few):
        client.get(url("attendance", session.pk))


# --- scheduling ------------------------------------------------------------------------------------


def _form_data(union, **overrides):
    start = timezone.localtime(timezone.now() + timedelta(days=7)).replace(hour=8, minute=0, second=0, microsecond=0)
    data = {
        "title": "Tập huấn kỹ năng nắm bắt dư luận",
        "unit": union.parent_id if hasattr(union, "parent_id") else "",
        "venue": "Hội trường",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "50",
        "target_units": [union.pk],
    }
    data.update(overrides)
    return data


def test_an_admin_schedules_a_draft_session(login, federation_admin, city, union):
    client = login(federation_admin)
    assert client.get(url("create")).status_code == 200
    response = client.post(url("create"), _form_data(union, unit=city.pk))
    session = TrainingSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("detail", session.pk)
    assert session.status == SessionStatus.DRAFT
    assert list(session.target_units.all()) == [union]
    assert timezone.localtime(session.starts_at).hour == 8


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_at": "2020-01-01T08:00"}, "ends_at", "The session must end after it starts."),
        ({"capacity": "-1"}, "capacity", "The capacity cannot be negative."),
        ({"venue": ""}, "venue", "Give a venue or an online link."),
    ],
)
def test_bad_session_input_is_refused_with_a_clear_message(
    login, federation_admin, city, union, overrides, field, message
):
    response = login(federation_admin).post(url("create"), _form_data(union, unit=city.pk, **overrides))
    assert response.status_code == 200
    assert vi(message) in response.context["form"].errors[field]
    assert not TrainingSession.objects.exists()


def test_capacity_below_the_registrations_is_refused_on_edit(
    login, federation_admin, make_session, colleagues, city, union
):
    session = make_session(capacity=5)
    for person in colleagues(3):
        services.registration_register(session=session, person=person)
    response = login(federation_admin).post(url("edit", session.pk), _form_data(union, unit=city.pk, capacity="2"))
    assert response.status_code == 200
    assert response.context["form"].errors["capacity"]
    session.refresh_from_db()
    assert session.capacity == 5


@pytest.mark.parametrize(("actor", "expected"), [("collaborator", 404), ("unit_staff", 404), ("other_staff", 404)])
def test_only_admins_schedule_sessions(request, login, actor, expected):
    assert login(request.getfixturevalue(actor)).get(url("create")).status_code == expected


def test_an_admin_of_another_union_cannot_edit_or_publish(login, make_session, other_union):
    draft = make_session(publish=False)
    other_admin = UserFactory(unit=other_union, role="admin")
    client = login(other_admin)
    assert client.get(url("edit", draft.pk)).status_code == 404
    assert client.post(url("publish", draft.pk)).status_code == 404
    draft.refresh_from_db()
    assert draft.status == SessionStatus.DRAFT


def test_publishing_from_the_page_invites_people(login, federation_admin, make_session, collaborator):
    draft = make_session(publish=False)
    response = login(federation_admin).post(url("publish", draft.pk))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == SessionStatus.PUBLISHED
    assert Notification.objects.filter(recipient=collaborator, kind="training_invitation").exists()


def test_cancelling_from_the_page_tells_the_registered(login, federation_admin, session, collaborator):
    services.registration_register(session=session, person=collaborator)
    login(federation_admin).post(url("cancel", session.pk), {"reason": "Thay đổi lịch"})
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert Notification.objects.filter(recipient=collaborator, kind="training_cancelled").exists()


# --- registration ----------------------------------------------------------------------------------


def test_a_collaborator_registers_and_cancels_from_the_page(login, session, collaborator):
    client = login(collaborator)
    page = client.get(url("detail", session.pk)).content.decode()
    assert 'data-testid="register"' in page
    client.post(url("register", session.pk))
    assert Registration.objects.get(session=session, person=collaborator).status == RegistrationStatus.REGISTERED
    client.post(url("unregister", session.pk))
    assert Registration.objects.get(session=session, person=collaborator).status == RegistrationStatus.CANCELLED


def test_a_collaborator_of_a_non_target_unit_cannot_register(login, session, other_collaborator):
    response = login(other_collaborator).post(url("register", session.pk))
    assert response.status_code == 404
    assert not Registration.objects.filter(person=other_collaborator).exists()


def test_registering_for_a_cancelled_session_shows_why(login, federation_admin, session, collaborator):
    services.session_cancel(actor=federation_admin, session=session)
    client = login(collaborator)
    response = client.post(url("register", session.pk), follow=True)
    assert vi("This session has been cancelled.") in response.content.decode()
    assert not Registration.objects.filter(session=session, person=collaborator).exists()


def test_registering_after_the_deadline_shows_why(login, session, collaborator):
    TrainingSession.objects.filter(pk=session.pk).update(registration_deadline=timezone.now() - timedelta(hours=1))
    response = login(collaborator).post(url("register", session.pk), follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not Registration.objects.filter(session=session, person=collaborator).exists()


def test_an_admin_adds_and_removes_a_person(login, federation_admin, session, colleagues):
    (person,) = colleagues(1)
    client = login(federation_admin)
    client.post(url("attendance", session.pk), {"person": person.username})
    registration = Registration.objects.get(session=session, person=person)
    assert registration.status == RegistrationStatus.REGISTERED
    client.post(url("registration_remove", session.pk, registration.pk))
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED


def test_staff_cannot_add_people(login, unit_staff, session, colleagues):
    (person,) = colleagues(1)
    assert login(unit_staff).post(url("attendance", session.pk), {"person": person.username}).status_code == 404


def test_an_admin_cannot_add_someone_outside_their_units(login, union, session, other_collaborator):
    union_admin = UserFactory(unit=union, role="admin")
    response = login(union_admin).post(url("attendance", session.pk), {"person": other_collaborator.username})
    assert response.status_code in (200, 404)
    assert not Registration.objects.filter(person=other_collaborator).exists()


# --- attendance ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "expected"),
    [("unit_staff", 200), ("federation_admin", 200), ("collaborator", 404), ("other_staff", 404)],
)
def test_attendance_pages_are_for_staff_of_the_subtree(request, login, session, actor, expected):
    client = login(request.getfixturevalue(actor))
    assert client.get(url("attendance", session.pk)).status_code == expected
    assert client.get(url("attendance_sheet", session.pk)).status_code == expected
    assert client.get(url("checkin_display", session.pk)).status_code == expected
    assert client.get(url("results", session.pk)).status_code == expected


def test_staff_tick_attendance_in_place_with_htmx(login, unit_staff, session, colleagues):
    (person,) = colleagues(1)
    registration = services.registration_register(session=session, person=person)
    move(session, starts_in=timedelta(minutes=-30))  # attendance is taken from the session's day
    client = login(unit_staff)

    response = client.post(
        url("attendance_mark", session.pk, registration.pk), {"attended": "1"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="registration-{registration.pk}"')
    assert 'data-status="attended"' in body
    assert "<html" not in body
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ATTENDED
    assert TrainingAttendance.objects.get(person=person, session_id=session.pk).attended_on == timezone.localdate(
        session.starts_at
    )


def test_staff_see_and_tick_only_people_of_their_subtree(login, make_session, city, other_staff, colleagues):
    session = make_session(targets=[city])
    (person,) = colleagues(1)
    registration = services.registration_register(session=session, person=person)
    client = login(other_staff)
    assert person.full_name not in client.get(url("attendance", session.pk)).content.decode()
    assert client.post(url("attendance_mark", session.pk, registration.pk), {"attended": "1"}).status_code == 404


def test_the_qr_code_is_an_svg_for_staff_only(login, session, unit_staff, collaborator):
    response = login(unit_staff).get(url("checkin_qr", session.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content
    assert login(collaborator).get(url("checkin_qr", session.pk)).status_code == 404


def test_a_participant_checks_in_with_the_code(login, session, collaborator):
    services.registration_register(session=session, person=collaborator)
    move(session, starts_in=timedelta(minutes=-5))
    client = login(collaborator)

    wrong = client.post(url("checkin", session.pk), {"code": "ZZZZZZ"})
    assert wrong.status_code == 200
    assert wrong.context["form"].non_field_errors()
    assert Registration.objects.get(session=session, person=collaborator).status == RegistrationStatus.REGISTERED

    assert client.get(url("checkin", session.pk) + f"?code={session.checkin_code}").status_code == 200
    right = client.post(url("checkin", session.pk), {"code": session.checkin_code})
    assert right.status_code == 302
    assert Registration.objects.get(session=session, person=collaborator).status == RegistrationStatus.ATTENDED


# --- materials, feedback, certificate --------------------------------------------------------------


def test_materials_are_added_by_admins_and_shown_to_participants(login, federation_admin, session, collaborator):
    login(federation_admin).post(
        url("material_add", session.pk), {"title": "Tài liệu", "url": "https://example.org/a.pdf"}
    )
    material = Material.objects.get()
    services.registration_register(session=session, person=collaborator)
    client = login(collaborator)
    assert "Tài liệu" in client.get(url("detail", session.pk)).content.decode()
    response = client.get(url("material_download", session.pk, material.pk))
    assert (response.status_code, response["Location"]) == (302, "https://example.org/a.pdf")


def test_a_material_needs_a_file_or_a_link(login, federation_admin, session):
    login(federation_admin).post(url("material_add", session.pk), {"title": "Trống"})
    assert not Material.objects.exists()


def _attended(session, person, staff):
    registration = services.registration_register(session=session, person=person)
    move(session, starts_in=timedelta(hours=-6))  # attendance is taken from the session's day
    services.attendance_mark(registration=registration, attended=True, actor=staff)
    return registration


def test_feedback_is_given_once_and_summarised_for_staff(login, session, collaborator, unit_staff):
    registration = _attended(session, collaborator, unit_staff)
    client = login(collaborator)
    first = client.post(url("feedback", session.pk), {"rating": "5", "comment": "Rất bổ ích"}, follow=True)
    assert [m.level_tag for m in first.context["messages"]] == ["success"]
    second = client.post(url("feedback", session.pk), {"rating": "1"}, follow=True)
    assert [m.level_tag for m in second.context["messages"]] == ["error"]
    registration.refresh_from_db()
    assert registration.rating == 5

    summary = login(unit_staff).get(url("results", session.pk))
    assert summary.context["average"] == 5
    assert "Rất bổ ích" in summary.content.decode()


def test_a_rating_outside_one_to_five_is_refused(login, session, collaborator, unit_staff):
    registration = _attended(session, collaborator, unit_staff)
    login(collaborator).post(url("feedback", session.pk), {"rating": "9"})
    registration.refresh_from_db()
    assert registration.rating is None


def test_the_certificate_is_for_the_participant_and_staff_of_their_subtree(
    login, session, collaborator, unit_staff, other_staff, other_collaborator
):
    _attended(session, collaborator, unit_staff)
    own = login(collaborator).get(url("certificate", session.pk))
    assert own.status_code == 200
    assert collaborator.full_name in own.content.decode()
    assert login(unit_staff).get(url("certificate_for", session.pk, collaborator.pk)).status_code == 200
    assert login(other_staff).get(url("certificate_for", session.pk, collaborator.pk)).status_code == 404
    assert login(other_collaborator).get(url("certificate_for", session.pk, collaborator.pk)).status_code == 404


def test_no_certificate_without_attendance(login, session, collaborator):
    services.registration_register(session=session, person=collaborator)
    assert login(collaborator).get(url("certificate", session.pk)).status_code == 404


def test_the_person_page_section_lists_the_training_history(session, collaborator, unit_staff, rf):
    _attended(session, collaborator, unit_staff)
    section = selectors.person_section(collaborator, unit_staff)
    assert section["template"] == "trainings/_partials/person_trainings.html"
    assert [r.session for r in section["data"]["registrations"]] == [session]
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.user = unit_staff
    html = render_to_string(section["template"], {"data": section["data"], "user": unit_staff}, request=request)
    assert session.title in html
    assert url("certificate_for", session.pk, collaborator.pk) in html


# --- calendars -------------------------------------------------------------------------------------


def _events(content):
    calendar = Calendar.from_ical(content)
    return list(calendar.walk("VEVENT"))


def test_the_session_calendar_file_carries_the_right_instants(login, session, collaborator, other_collaborator):
    response = login(collaborator).get(url("ics", session.pk))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    (event,) = _events(response.content)
    assert event.decoded("dtstart") == session.starts_at
    assert event.decoded("dtend") == session.ends_at
    assert event["dtstart"].params["TZID"] == "Asia/Ho_Chi_Minh"
    assert str(event["summary"]) == session.title
    calendar = Calendar.from_ical(response.content)
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Ho_Chi_Minh"]
    assert login(other_collaborator).get(url("ics", session.pk)).status_code == 404


def test_the_personal_feed_lists_ones_own_sessions_behind_a_secret(client, login, make_session, collaborator):
    mine = make_session(title="Buổi của tôi")
    make_session(title="Buổi khác")
    services.registration_register(session=mine, person=collaborator)
    page = login(collaborator).get(url("feed_page"))
    feed_url = page.context["feed_url"]
    client.logout()

    response = client.get(feed_url)
    assert response.status_code == 200
    assert [str(e["summary"]) for e in _events(response.content)] == ["Buổi của tôi"]
    (event,) = _events(response.content)
    assert event.decoded("dtstart") == mine.starts_at

    assert client.get(url("feed", "not-the-token")).status_code == 404
    login(collaborator).post(url("feed_page"))
    client.logout()
    assert client.get(feed_url).status_code == 404
