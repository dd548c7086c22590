"""A frozen broker (Redis stopped with SIGSTOP: connections open, nothing answers) never holds a request.

The report is saved with its notifications in the outbox; after the commit their deliveries are queued.
The first publish waits at most ENQUEUE_TIMEOUT_SECONDS, fails, and the rest of the request does not try
again: the collaborator is answered at once, one warning line is logged, and the sweep delivers every
message exactly once when the broker is back. A Redis of the test's own is frozen, with a real worker on it.
"""

import logging
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest
import redis
from celery import current_app
from django.db.models import DateTimeField, ExpressionWrapper
from django.db.models.functions import Now
from django.urls import reverse

from collaborators.models import Role, UnitKind
from notifications.models import Notification
from notifications.tasks import sweep_notifications
from reports.models import Report, ReportKind, ReportStatus, Topic
from tests.factories import UnitFactory, UserFactory
from tests.helpers import reset_broker_pools
from tests.integration.conftest import missing_prerequisite, running_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# The bound the request must keep with the broker hung (one publish of ENQUEUE_TIMEOUT_SECONDS, then none).
POST_BOUND_SECONDS = 3
DELIVERY_TIMEOUT = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own, on a free port, that the test may freeze; stopped afterwards."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.path.exists(binary):
        missing_prerequisite("the frozen-broker test needs Debian's redis-server")
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - fixed command line
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
        start_new_session=True,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.RedisError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(f"redis-server on port {port} did not start", pytrace=False)
            time.sleep(0.1)
    try:
        yield process, url
    finally:
        process.send_signal(signal.SIGCONT)
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def worker_on_own_redis(own_redis, tmp_path):
    """A real worker on that Redis; tasks published from this process go to it."""
    process, url = own_redis
    with running_worker(tmp_path, {"REDIS_URL": url}) as worker:
        conf = current_app.conf
        previous = (conf.task_always_eager, conf.task_default_queue, conf.broker_url)
        conf.task_always_eager = False
        conf.task_default_queue = worker.queue
        conf.broker_url = url
        reset_broker_pools(current_app)
        try:
            yield worker, process
        finally:
            conf.task_always_eager, conf.task_default_queue, conf.broker_url = previous
            reset_broker_pools(current_app)


def _staff(unit, count: int) -> list:
    return [
        UserFactory(unit=unit, role=Role.STAFF, email=f"staff-{uuid.uuid4().hex[:10]}@example.org")
        for _ in range(count)
    ]


def _recipients_printed(output: str) -> Counter:
    """How many e-mails the worker's console backend printed to each address."""
    return Counter(line.split(":", 1)[1].strip() for line in output.splitlines() if line.startswith("To: "))


def test_a_frozen_broker_neither_holds_the_report_nor_loses_or_repeats_its_notifications(
    worker_on_own_redis, client, caplog
):
    worker, redis_process = worker_on_own_redis
    topic, _ = Topic.objects.get_or_create(code="WAGES", defaults={"name": "Tiền lương, thu nhập"})
    city = UnitFactory(kind=UnitKind.CITY_FEDERATION, code="CITY", name="Liên đoàn Lao động thành phố")
    union = UnitFactory(parent=city, code="WARD-A", name="Công đoàn phường Ba Đình")
    grassroots = UnitFactory(parent=union, kind=UnitKind.GRASSROOTS, code="WARD-A-01", name="Công đoàn cơ sở")
    author = UserFactory(unit=grassroots, role=Role.COLLABORATOR)
    # A rapid report goes to the union's reviewers and to the federation's staff: eleven people.
    staff = _staff(union, 6) + _staff(city, 5)
    client.force_login(author)
    assert client.get(reverse("reports:new")).status_code == 200  # the collaborator opens the form first
    form = {
        "token": str(uuid.uuid4()),
        "kind": ReportKind.OPINION,
        "topic": topic.pk,
        "title": "Công nhân tập trung trước cổng nhà máy",
        "content": "Khoảng năm mươi công nhân chờ gặp giám đốc về tiền lương tháng trước.",
        "direction": "negative",
        "urgent": "on",
        "action": "send",
    }

    redis_process.send_signal(signal.SIGSTOP)
    try:
        with caplog.at_level(logging.WARNING):
            started = time.monotonic()
            response = client.post(reverse("reports:new"), form)
            elapsed = time.monotonic() - started

        # Answered at once, with the report saved and its notifications waiting in the outbox.
        report = Report.objects.get(author=author)
        assert response.status_code == 302
        assert response.url == f"{reverse('reports:mine')}#report-{report.pk}"
        assert elapsed < POST_BOUND_SECONDS, f"the report POST took {elapsed:.1f} s with the broker frozen"
        assert report.status == ReportStatus.SUBMITTED and report.urgent
        waiting = Notification.objects.filter(kind="report_urgent")
        assert sorted(waiting.values_list("recipient", flat=True)) == sorted(person.pk for person in staff)
        assert not waiting.filter(sent_at__isnull=False).exists()
        warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
        assert len(warnings) == 1, [record.getMessage() for record in warnings]
        line = warnings[0].getMessage()
        assert "notifications.tasks.deliver_notification(" in line and "Error" in line and "\n" not in line
        assert warnings[0].exc_info is None  # no traceback
    finally:
        redis_process.send_signal(signal.SIGCONT)

    # The broker is back: the sweep (rows older than a minute) delivers every message, each once.
    waiting.update(created_at=ExpressionWrapper(Now() - timedelta(minutes=2), output_field=DateTimeField()))
    sweep_notifications.delay()
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while waiting.filter(sent_at__isnull=True).exists():
        if time.monotonic() > deadline or worker.process.poll() is not None:
            pytest.fail(f"not every notification was delivered:\n{worker.output()[-4000:]}", pytrace=False)
        time.sleep(0.2)
    assert set(waiting.values_list("attempts", flat=True)) == {1}
    time.sleep(1)  # a second delivery, if there were one, would be printed by now
    printed = _recipients_printed(worker.output())
    assert {person.email: printed[person.email] for person in staff} == {person.email: 1 for person in staff}
