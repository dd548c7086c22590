"""Capacity under parallel registrations, against PostgreSQL (the production engine).

Twenty people press "Register" at the same moment for ten seats: the session row is locked
before the seats are counted, so exactly ten get a seat and ten go to the waitlist.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from collaborators.models import CollaboratorProfile, CollaboratorStatus, Role
from notifications.models import Notification
from tests.clock import frozen_clock
from tests.factories import UserFactory
from tests.prerequisites import needs_postgresql
from trainings import services
from trainings.models import Registration, RegistrationStatus

pytestmark = pytest.mark.django_db(transaction=True)
_clock = frozen_clock()  # the tests build their dates from "now"


@pytest.fixture
def postgresql():
    needs_postgresql("the concurrency test")


def _register_all(session, people):
    barrier = threading.Barrier(len(people))
    results, errors = [], []

    def worker(person):
        try:
            barrier.wait(timeout=10)
            results.append(services.registration_register(session=session, person=person).status)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_twenty_parallel_registrations_fill_ten_seats_and_a_cancellation_promotes_one(
    postgresql, federation_admin, city, union, grassroots
):
    people = UserFactory.create_batch(20, unit=grassroots, role=Role.COLLABORATOR)
    for person in people:
        CollaboratorProfile.objects.create(user=person, status=CollaboratorStatus.ACTIVE)
    starts_at = timezone.now() + timedelta(days=2)
    session = services.session_create(
        actor=federation_admin, unit=city, target_units=[union], title="Tập huấn song song",
        venue="Hội trường", starts_at=starts_at, ends_at=starts_at + timedelta(hours=4), capacity=10,
    )  # fmt: skip
    services.session_publish(actor=federation_admin, session=session)

    results, errors = _register_all(session, people)

    assert errors == []
    assert sorted(results).count(RegistrationStatus.REGISTERED) == 10
    rows = Registration.objects.filter(session=session)
    assert rows.filter(status=RegistrationStatus.REGISTERED).count() == 10
    assert rows.filter(status=RegistrationStatus.WAITLISTED).count() == 10

    first_waiting = rows.filter(status=RegistrationStatus.WAITLISTED).order_by("queued_at", "pk").first()
    seat = rows.filter(status=RegistrationStatus.REGISTERED).first()
    services.registration_cancel(registration=seat, actor=seat.person)

    assert rows.filter(status=RegistrationStatus.REGISTERED).count() == 10
    assert rows.filter(status=RegistrationStatus.WAITLISTED).count() == 9
    first_waiting.refresh_from_db()
    assert first_waiting.status == RegistrationStatus.REGISTERED
    promoted = Notification.objects.filter(kind="training_seat")
    assert list(promoted.values_list("recipient", flat=True)) == [first_waiting.person_id]
