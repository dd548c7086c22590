"""A worker killed in the middle of a compile: the next run finishes exactly one summary.

A real Celery worker (prefork, one child) compiles with a pause on the first attempt; the test kills
the pool child with SIGKILL while it holds the claim. ``acks_late`` + ``reject_on_worker_lost`` put
the message back; the redelivered task finds the claim still held, retries when it lapses, and
compiles. Then the beat task runs twice: nothing is duplicated, the compiled summary is not
compiled again.
"""

import os
import signal
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from celery import current_app
from django.utils import timezone

from collaborators.models import Role, UnitKind
from reports.models import Report, Topic
from summaries.models import ReportingPeriod, Summary, SummaryStatus
from summaries.services.summaries import summary_schedule
from summaries.tasks import compile_due_summaries, compile_summary
from tests.factories import UnitFactory, UserFactory
from tests.helpers import reset_broker_pools
from tests.integration.conftest import running_worker
from tests.summaries.conftest import make_report

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LEASE = 4


@pytest.fixture
def slow_worker(tmp_path):
    with running_worker(
        Path(tmp_path), {"SUMMARY_COMPILE_PAUSE_SECONDS": "20", "SUMMARY_COMPILE_LEASE_SECONDS": str(LEASE)}
    ) as worker:
        conf = current_app.conf
        previous = (conf.task_always_eager, conf.task_default_queue)
        conf.task_always_eager = False
        conf.task_default_queue = worker.queue
        reset_broker_pools(current_app)
        try:
            yield worker
        finally:
            conf.task_always_eager, conf.task_default_queue = previous
            reset_broker_pools(current_app)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _wait(predicate, timeout, worker, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if worker.process.poll() is not None:
            pytest.fail(f"the worker died:\n{worker.output()[-4000:]}", pytrace=False)
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen within {timeout} s. Worker output:\n{worker.output()[-4000:]}", pytrace=False)


def test_killed_mid_compile_then_exactly_one_summary_is_finished(slow_worker):
    Topic.objects.get_or_create(code="WAGES", defaults={"name": "Tiền lương, thu nhập"})  # flushed by earlier tests
    city = UnitFactory(kind=UnitKind.CITY_FEDERATION, code="CITY", name="Liên đoàn Lao động thành phố")
    union = UnitFactory(parent=city, code="WARD-A", name="Công đoàn phường Ba Đình")
    author = UserFactory(username="ctv-kill", unit=union, role=Role.COLLABORATOR)
    period = ReportingPeriod.objects.month_of(timezone.localdate()).previous()  # the last closed period
    day = period.starts_on + timedelta(days=3)
    sent = timezone.make_aware(datetime(day.year, day.month, day.day, 9))
    for _ in range(7):
        make_report(author, sent_at=sent)
    summary, _ = summary_schedule(scope=city, period=period)

    compile_summary.delay(summary.pk)
    _wait(
        lambda: Summary.objects.filter(pk=summary.pk, status=SummaryStatus.COMPILING, attempts=1).exists(),
        30,
        slow_worker,
        "the first compile attempt claiming the summary",
    )
    children = _children(slow_worker.process.pid)
    assert children, "the prefork pool has no child process"
    for pid in children:
        os.kill(pid, signal.SIGKILL)

    _wait(
        lambda: Summary.objects.filter(pk=summary.pk, status=SummaryStatus.COMPILED).exists(),
        60,
        slow_worker,
        "the redelivered compile finishing",
    )
    summary.refresh_from_db()
    assert summary.attempts == 2  # the killed attempt, then the one that finished
    assert summary.statistics["totals"]["reports"] == Report.objects.count() == 7
    assert "WorkerLostError" in slow_worker.output() or "Process" in slow_worker.output()

    # Two runs of the monthly schedule: the city and the union, each once; nothing compiled twice.
    # The schedule compiles the last closed period once its review deadline has passed: replay that day.
    after_reviews = (period.reviews_due_on + timedelta(days=1)).isoformat()
    compile_due_summaries.delay("monthly", after_reviews)
    compile_due_summaries.delay("monthly", after_reviews)
    # Both schedule runs were queued before the union's compile, so once that compile has claimed
    # the summary, both runs are done (one worker process, first in first out).
    _wait(
        lambda: Summary.objects.filter(period=period, scope=union, status=SummaryStatus.COMPILING).exists(),
        60,
        slow_worker,
        "the union's summary being created and claimed by the schedule",
    )
    assert Summary.objects.filter(period=period).count() == 2
    city_summary = Summary.objects.get(pk=summary.pk)
    assert city_summary.status == SummaryStatus.COMPILED and city_summary.attempts == 2
