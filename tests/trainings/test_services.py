"""Trainings services: sessions, the waitlist, attendance, check-in, feedback, reminders."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from collaborators.models import CollaboratorProfile, Position, TrainingAttendance
from notifications.models import Notification
from tests.clock import frozen_clock
from tests.trainings.conftest import move
from trainings import services
from trainings.models import Registration, RegistrationStatus, SessionStatus, TrainingSession

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english"), pytest.mark.clock]
_clock = frozen_clock()  # the tests build their dates from "now"


def test_publishing_invites_the_collaborators_of_the_target_units(
    make_session, collaborator, other_collaborator, unit_staff
):
    session = make_session()

    invited = Registration.objects.filter(session=session, status=RegistrationStatus.INVITED)
    assert list(invited.values_list("person__username", flat=True)) == ["collab"]
    notification = Notification.objects.get(kind="training_invitation")
    assert notification.recipient == collaborator
    assert session.title in notification.subject
    assert notification.link == f"/trainings/{session.pk}/"
    assert not Notification.objects.filter(recipient__in=[other_collaborator, unit_staff]).exists()


def test_publishing_twice_is_refused(session, federation_admin):
    with pytest.raises(ValidationError, match="Only a draft"):
        services.session_publish(actor=federation_admin, session=session)


def test_target_positions_narrow_the_invitations(make_session, colleagues):
    chair, member = colleagues(2)
    CollaboratorProfile.objects.filter(user=chair).update(position=Position.UNION_CHAIR)
    session = make_session(target_positions=[Position.UNION_CHAIR])

    assert set(session.registrations.values_list("person", flat=True)) == {chair.pk}
    with pytest.raises(ValidationError, match="Union chair"):
        services.registration_register(session=session, person=member)


def test_registration_takes_a_seat_then_the_waitlist(make_session, colleagues):
    session = make_session(capacity=2)
    first, second, third = colleagues(3)

    statuses = [services.registration_register(session=session, person=p).status for p in (first, second, third)]

    assert statuses == [RegistrationStatus.REGISTERED, RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED]


def test_cancelling_a_seat_promotes_the_first_on_the_waitlist_and_tells_them(make_session, colleagues):
    session = make_session(capacity=1)
    holder, first_waiting, second_waiting = colleagues(3)
    seat = services.registration_register(session=session, person=holder)
    services.registration_register(session=session, person=first_waiting)
    services.registration_register(session=session, person=second_waiting)

    services.registration_cancel(registration=seat, actor=holder)

    assert Registration.objects.get(session=session, person=first_waiting).status == RegistrationStatus.REGISTERED
    assert Registration.objects.get(session=session, person=second_waiting).status == RegistrationStatus.WAITLISTED
    assert Notification.objects.filter(recipient=first_waiting, kind="training_seat").count() == 1
    assert not Notification.objects.filter(recipient=second_waiting, kind="training_seat").exists()


def test_raising_the_capacity_promotes_the_waitlist(make_session, colleagues, federation_admin):
    session = make_session(capacity=1)
    a, b = colleagues(2)
    services.registration_register(session=session, person=a)
    services.registration_register(session=session, person=b)

    services.session_update(actor=federation_admin, session=session, capacity=2)

    assert Registration.objects.get(session=session, person=b).status == RegistrationStatus.REGISTERED


def test_capacity_cannot_drop_below_the_people_registered(make_session, colleagues, federation_admin):
    session = make_session(capacity=5)
    for person in colleagues(3):
        services.registration_register(session=session, person=person)

    with pytest.raises(ValidationError, match="3 people already registered"):
        services.session_update(actor=federation_admin, session=session, capacity=2)
    session.refresh_from_db()
    assert session.capacity == 5


def test_a_session_must_end_after_it_starts(federation_admin, city, union):
    now = timezone.now()
    with pytest.raises(ValidationError, match="end after it starts"):
        services.session_create(
            actor=federation_admin, unit=city, target_units=[union], title="x", starts_at=now, ends_at=now, capacity=1
        )
    assert not TrainingSession.objects.exists()


def test_the_database_refuses_a_session_ending_before_it_starts(city):
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingSession.objects.create(unit=city, title="x", starts_at=now, ends_at=now - timedelta(hours=1))


def test_the_database_refuses_a_second_registration_and_a_rating_of_six(session, collaborator):
    Registration.objects.filter(session=session, person=collaborator).delete()
    Registration.objects.create(session=session, person=collaborator)
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(session=session, person=collaborator)
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.filter(session=session, person=collaborator).update(rating=6)


def test_registering_twice_is_refused(session, collaborator):
    services.registration_register(session=session, person=collaborator)
    with pytest.raises(ValidationError, match="already on this session's list"):
        services.registration_register(session=session, person=collaborator)


def test_registering_after_the_deadline_is_refused(make_session, collaborator):
    session = make_session(deadline=timezone.now() + timedelta(minutes=1))
    TrainingSession.objects.filter(pk=session.pk).update(registration_deadline=timezone.now() - timedelta(minutes=1))

    with pytest.raises(ValidationError, match="Registration for this session closed"):
        services.registration_register(session=session, person=collaborator)
    assert Registration.objects.get(session=session, person=collaborator).status == RegistrationStatus.INVITED


def test_registering_for_a_cancelled_session_is_refused(session, collaborator, federation_admin):
    services.session_cancel(actor=federation_admin, session=session)
    with pytest.raises(ValidationError, match="cancelled"):
        services.registration_register(session=session, person=collaborator)


def test_a_collaborator_of_a_non_target_unit_cannot_register(session, other_collaborator):
    with pytest.raises(ValidationError, match="not open to your unit"):
        services.registration_register(session=session, person=other_collaborator)
    assert not Registration.objects.filter(person=other_collaborator).exists()


def test_an_admin_can_add_someone_after_the_deadline(make_session, colleagues, federation_admin):
    session = make_session()
    (person,) = colleagues(1)
    TrainingSession.objects.filter(pk=session.pk).update(registration_deadline=timezone.now() - timedelta(hours=1))

    registration = services.registration_register(session=session, person=person, actor=federation_admin)

    assert registration.status == RegistrationStatus.REGISTERED
    assert registration.added_by == federation_admin


def test_cancelling_a_session_notifies_everyone_registered(make_session, colleagues, federation_admin):
    session = make_session(capacity=1)
    a, b = colleagues(2)
    services.registration_register(session=session, person=a)
    services.registration_register(session=session, person=b)

    told = services.session_cancel(actor=federation_admin, session=session, reason="Bão số 3")

    assert told == 2
    cancelled = Notification.objects.filter(kind="training_cancelled")
    assert set(cancelled.values_list("recipient", flat=True)) == {a.pk, b.pk}
    assert "Bão số 3" in cancelled.first().body


def test_attendance_records_the_training_fact(session, colleagues, unit_staff):
    (person,) = colleagues(1)
    registration = services.registration_register(session=session, person=person)
    move(session, starts_in=timedelta(minutes=-30))  # attendance is taken from the session's day

    services.attendance_mark(registration=registration, attended=True, actor=unit_staff)

    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ATTENDED
    assert registration.checked_in_at is not None
    facts = TrainingAttendance.objects.filter(person=person).values_list("session_id", "attended_on")
    assert list(facts) == [(session.pk, timezone.localdate(session.starts_at))]


def test_unticking_attendance_puts_the_person_back_on_the_list(session, collaborator, unit_staff):
    registration = services.registration_register(session=session, person=collaborator)
    move(session, starts_in=timedelta(minutes=-30))  # attendance is taken from the session's day
    services.attendance_mark(registration=registration, attended=True, actor=unit_staff)

    services.attendance_mark(registration=registration, attended=False, actor=unit_staff)

    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REGISTERED
    assert registration.checked_in_at is None
    assert not TrainingAttendance.objects.filter(person=collaborator).exists()  # no longer trained by it


def test_check_in_with_the_right_code_records_attendance(make_session, colleagues):
    session = make_session()
    (person,) = colleagues(1)
    services.registration_register(session=session, person=person)
    move(session, starts_in=timedelta(minutes=-10))

    registration = services.checkin_with_code(session=session, person=person, code=session.checkin_code.lower())

    assert registration.status == RegistrationStatus.ATTENDED
    assert TrainingAttendance.objects.get(person=person, session_id=session.pk).attended_on == timezone.localdate(
        session.starts_at
    )


def test_a_wrong_check_in_code_changes_nothing(make_session, collaborator):
    session = make_session()
    registration = services.registration_register(session=session, person=collaborator)
    move(session, starts_in=timedelta(minutes=-10))

    with pytest.raises(ValidationError, match="Wrong check-in code"):
        services.checkin_with_code(session=session, person=collaborator, code="WRONG1")
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REGISTERED


def test_an_expired_check_in_code_is_refused(make_session, collaborator):
    session = make_session()
    services.registration_register(session=session, person=collaborator)
    move(session, starts_in=timedelta(hours=-5), hours=4)

    with pytest.raises(ValidationError, match="expired"):
        services.checkin_with_code(session=session, person=collaborator, code=session.checkin_code)


def test_check_in_before_it_opens_is_refused(session, collaborator):
    services.registration_register(session=session, person=collaborator)
    with pytest.raises(ValidationError, match="opens one hour before"):
        services.checkin_with_code(session=session, person=collaborator, code=session.checkin_code)


def test_feedback_is_accepted_once(session, collaborator, unit_staff):
    registration = services.registration_register(session=session, person=collaborator)
    move(session, starts_in=timedelta(hours=-5))
    services.attendance_mark(registration=registration, attended=True, actor=unit_staff)

    services.feedback_submit(registration=registration, rating=4, comment="Bổ ích")
    with pytest.raises(ValidationError, match="already given feedback"):
        services.feedback_submit(registration=registration, rating=1, comment="again")

    registration.refresh_from_db()
    assert (registration.rating, registration.comment) == (4, "Bổ ích")


def test_feedback_needs_attendance(session, collaborator):
    registration = services.registration_register(session=session, person=collaborator)
    move(session, starts_in=timedelta(hours=-5))
    with pytest.raises(ValidationError, match="attended"):
        services.feedback_submit(registration=registration, rating=5)


def test_completing_an_ended_session_marks_the_unmarked_absent(make_session, colleagues, unit_staff):
    session = make_session()
    came, stayed_home = colleagues(2)
    r1 = services.registration_register(session=session, person=came)
    r2 = services.registration_register(session=session, person=stayed_home)
    move(session, starts_in=timedelta(hours=-6), hours=4)
    services.attendance_mark(registration=r1, attended=True, actor=unit_staff)

    assert services.sessions_complete_due() == 1

    session.refresh_from_db()
    assert session.status == SessionStatus.COMPLETED
    r1.refresh_from_db()
    r2.refresh_from_db()
    assert (r1.status, r2.status) == (RegistrationStatus.ATTENDED, RegistrationStatus.ABSENT)
    assert services.sessions_complete_due() == 0


def test_reminders_go_out_once_per_registration(make_session, colleagues):
    session = make_session(starts_in=timedelta(hours=20))
    people = colleagues(3)
    for person in people:
        services.registration_register(session=session, person=person)
    far = make_session(starts_in=timedelta(days=5), title="Buổi tập huấn tháng sau")
    services.registration_register(session=far, person=people[0])

    assert services.reminders_send() == 3
    assert services.reminders_send() == 0

    reminders = Notification.objects.filter(kind="training_reminder")
    assert reminders.count() == 3
    assert sorted(reminders.values_list("recipient", flat=True)) == sorted(p.pk for p in people)
    assert not Registration.objects.filter(session=far, reminder_sent_at__isnull=False).exists()


def test_a_reminder_claimed_by_someone_else_is_not_sent_again(session, collaborator):
    registration = services.registration_register(session=session, person=collaborator)
    Registration.objects.filter(pk=registration.pk).update(reminder_sent_at=timezone.now())

    assert services.registration_remind(registration_id=registration.pk) is False
    assert not Notification.objects.filter(kind="training_reminder").exists()
