"""The outbox's promises with a real Celery worker and the local providers on loopback.

A collaborator who chose Zalo for reminders gets exactly one reminder per period at the local Zalo
provider and none by e-mail, though the reminder job runs twice and the provider fails three times first
(a 5xx, a 429, a Zalo rate-limit code): the failures are retried, nothing is lost, nothing is sent twice,
and the unit is charged one paid message. A staff member's follow of a unit fires once though the daily
check runs twice.

The test plays beat: it publishes the jobs (the reminders, the follows check, the sweep that sends due
retries) to the worker's queue. A job's end is known from a marker published after it (the worker takes
its queue in order, one task at a time): the marker is a notification whose routing shows in the database.
"""

import threading
import time
import uuid
from http.server import ThreadingHTTPServer

import pytest
from django.db import transaction
from django.utils import timezone

from collaborators.models import CollaboratorProfile, Role
from follows.models import FollowEvent, FollowKind
from follows.services import subscription_add
from follows.tasks import check_follows
from notifications.models import (
    Channel,
    ContactSettings,
    Delivery,
    DeliveryStatus,
    Notification,
    PaidMessageTally,
    Preference,
)
from notifications.services import notify
from notifications.tasks import sweep_notifications
from summaries.models import ComplianceReminder
from summaries.tasks import send_compliance_reminders
from tests.factories import UserFactory
from tests.integration.conftest import running_worker
from tests.notifications.providers import ZALO_SECRET, Provider, _handler

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TIMEOUT = 90
ZNS = "/zalo/message/template"


@pytest.fixture
def zalo():
    state = Provider()
    state.retry_after = "1"
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def _wait_for(condition, worker, what):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return
        if worker.process.poll() is not None:
            pytest.fail(f"the worker died:\n{worker.output()[-4000:]}", pytrace=False)
        time.sleep(0.3)
    pytest.fail(f"{what} not within {TIMEOUT} s:\n{worker.output()[-4000:]}", pytrace=False)


def _after_what_was_published(marker_person, worker):
    """Wait until the worker has taken everything published before now (a marker goes last)."""
    with transaction.atomic():
        marker = notify(recipient=marker_person, kind="marker", subject=f"marker {uuid.uuid4().hex[:6]}")
    _wait_for(lambda: Notification.objects.filter(pk=marker.pk, sent_at__isnull=False).exists(), worker, "the marker")


def test_zalo_reminders_once_per_period_none_by_email_faults_lose_nothing_and_a_follow_fires_once(
    grassroots, union, zalo, tmp_path
):
    from celery import current_app

    from tests.helpers import reset_broker_pools

    env = {
        "ZALO_API_URL": f"{zalo.url}/zalo",
        "ZALO_OAUTH_URL": f"{zalo.url}/oauth",
        "ZALO_APP_ID": "123",
        "ZALO_SECRET_KEY": ZALO_SECRET,
        "ZALO_REFRESH_TOKEN": "refresh-0",
        "ZALO_TEMPLATE_ID": "tmpl-1",
        "NOTIFICATION_RETRY_SECONDS": "1",
        "NOTIFICATION_HTTP_TIMEOUT": "2",
        # The whole period is the reminders' window: the worker keeps the real clock, whatever day it is.
        "SUMMARY_REMINDER_DAYS_BEFORE": "40",
    }
    tag = uuid.uuid4().hex[:8]
    person = UserFactory(unit=grassroots, phone="0912345678", email=f"zalo-{tag}@example.org")
    CollaboratorProfile.objects.update_or_create(user=person, defaults={"status": "active"})
    ContactSettings.objects.create(  # verified; no quiet hours (the worker keeps the real clock)
        user=person, verified_phone="0912345678", phone_verified_at=timezone.now(), quiet_from=0, quiet_until=0
    )
    Preference.objects.create(user=person, category="reminders", channels=["in_app", "zalo"], cadence="now")
    staff = UserFactory(unit=union, role=Role.STAFF, email=f"staff-{tag}@example.org")
    subscription_add(actor=staff, kind=FollowKind.UNIT, target_id=grassroots.pk)  # no report yet: silent
    marker_person = UserFactory(unit=union, role=Role.STAFF, email="")
    zalo.plan(ZNS, 500, 429, ("zalo", -32))  # three faults before the provider takes the message

    with running_worker(tmp_path, extra_env=env) as worker:
        conf = current_app.conf
        previous = (conf.task_always_eager, conf.task_default_queue)
        conf.task_always_eager, conf.task_default_queue = False, worker.queue
        reset_broker_pools(current_app)
        try:
            # The reminder job and the follows check, each run twice (a double run of beat).
            for _run in range(2):
                send_compliance_reminders.delay()
                check_follows.delay()
            _after_what_was_published(marker_person, worker)

            reminder = Notification.objects.get(recipient=person, kind="compliance_reminder")
            routed = Delivery.objects.filter(notification=reminder, channel=Channel.ZALO)
            _wait_for(routed.exists, worker, "the reminder routed to Zalo")  # queued behind the marker
            delivery = routed.get()

            def sent():
                if Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENT).exists():
                    return True
                sweep_notifications.delay()  # beat's sweep: the retries that are due
                time.sleep(1)
                return False

            _wait_for(sent, worker, "the Zalo reminder sent after the provider's faults")
            # Once more, all the jobs: nothing new goes out.
            send_compliance_reminders.delay()
            check_follows.delay()
            sweep_notifications.delay()
            _after_what_was_published(marker_person, worker)
        finally:
            conf.task_always_eager, conf.task_default_queue = previous
            reset_broker_pools(current_app)

    # One reminder this period, sent once to Zalo and not by e-mail.
    assert ComplianceReminder.objects.filter(person=person).count() == 1
    assert Notification.objects.filter(recipient=person, kind="compliance_reminder").count() == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 4 and delivery.provider_id.startswith("z")
    assert list(Delivery.objects.filter(notification=reminder).values_list("channel", flat=True)) == ["zalo"]
    # At the provider: four tries, one message taken, to the collaborator's number.
    assert len(zalo.sent(ZNS)) == 4
    assert [msg_id for _path, msg_id in zalo.accepted] == [delivery.provider_id]
    assert b'"84912345678"' in zalo.sent(ZNS)[-1]["body"]
    # The unit is charged one paid message.
    assert list(PaidMessageTally.objects.filter(unit=grassroots).values_list("channel", "messages")) == [("zalo", 1)]
    # The follow fired once, and its message went out.
    told = Notification.objects.filter(recipient=staff, kind="subscription")
    assert told.count() == 1 and FollowEvent.objects.count() == 1
    assert grassroots.name in told.get().subject and told.get().sent_at is not None
