"""The reminder job through a real broker and worker: run twice, one reminder per registration."""

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from collaborators.models import CollaboratorProfile, CollaboratorStatus, Role
from notifications.models import Notification
from tests.factories import UserFactory
from trainings import services
from trainings.models import Registration
from trainings.tasks import send_reminders

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TIMEOUT = 45


def _succeeded(worker) -> int:
    return len(re.findall(r"Task trainings\.tasks\.send_reminders\[[^\]]+\] succeeded", worker.output()))


def test_running_the_reminder_job_twice_sends_one_reminder_per_registration(
    publish_to_worker, federation_admin, city, union, grassroots
):
    worker = publish_to_worker
    people = UserFactory.create_batch(4, unit=grassroots, role=Role.COLLABORATOR)
    for person in people:
        CollaboratorProfile.objects.create(user=person, status=CollaboratorStatus.ACTIVE)
    starts_at = timezone.now() + timedelta(hours=18)
    session = services.session_create(
        actor=federation_admin, unit=city, target_units=[union], title="Tập huấn ngày mai",
        venue="Hội trường", starts_at=starts_at, ends_at=starts_at + timedelta(hours=4), capacity=50,
    )  # fmt: skip
    services.session_publish(actor=federation_admin, session=session)
    for person in people:
        services.registration_register(session=session, person=person)
    before = _succeeded(worker)

    send_reminders.delay()
    send_reminders.delay()

    deadline = time.monotonic() + TIMEOUT
    while _succeeded(worker) < before + 2:
        if time.monotonic() > deadline:
            pytest.fail(f"the reminder job did not finish twice:\n{worker.output()[-4000:]}", pytrace=False)
        if worker.process.poll() is not None:
            pytest.fail(f"the worker died:\n{worker.output()[-4000:]}", pytrace=False)
        time.sleep(0.2)

    reminders = Notification.objects.filter(kind="training_reminder")
    assert sorted(reminders.values_list("recipient", flat=True)) == sorted(p.pk for p in people)
    assert not Registration.objects.filter(session=session, person__in=people, reminder_sent_at__isnull=True).exists()
