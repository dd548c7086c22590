"""Summaries always finish, through faults injected into a real Celery worker and broker.

- A pool child killed in the middle of a compile (SIGKILL): ``acks_late`` + ``reject_on_worker_lost`` put
  the message back; the redelivered task finds the claim still held, retries when it lapses, and
  compiles. Then the beat task runs twice: nothing is duplicated, the compiled summary is not compiled
  again.
- The whole worker killed (SIGKILL of its process group): its message stays unacknowledged in Redis for
  the broker's visibility timeout (an hour), so ``resume_compiles`` queues the compile again once the
  lease has lapsed, and the next worker finishes it.
- The broker down when staff press "compile now": the page answers success, the summary waits pending,
  and ``resume_compiles`` (or "compile again") finishes it.
"""

import logging
import os
import signal
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from celery import current_app
from django.contrib.messages import get_messages
from django.db.models import DateTimeField, ExpressionWrapper
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone

from collaborators.models import Role, UnitKind
from reports.models import Report, Topic
from summaries.models import ReportingPeriod, Summary, SummaryStatus
from summaries.services.summaries import summary_schedule
from summaries.tasks import compile_due_summaries, compile_summary, resume_compiles
from tests.factories import UnitFactory, UserFactory
from tests.helpers import reset_broker_pools
from tests.integration.conftest import running_worker
from tests.summaries.conftest import make_report

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LEASE = 4
SLOW = {"SUMMARY_COMPILE_PAUSE_SECONDS": "20", "SUMMARY_COMPILE_LEASE_SECONDS": str(LEASE)}
CLOSED_BROKER_URL = "redis://127.0.0.1:6390/0"  # nothing listens there
# A closed reporting period, the same on any day the tests run.
PERIOD_DAY = date(2026, 10, 1)


@pytest.fixture
def publish_to():
    """``publish_to(worker)``: tasks published from here go to that worker's queue (restored afterwards)."""
    conf = current_app.conf
    previous = (conf.task_always_eager, conf.task_default_queue, conf.broker_url)

    def publish_to(worker):
        conf.task_always_eager = False
        conf.task_default_queue = worker.queue
        reset_broker_pools(current_app)

    yield publish_to
    conf.task_always_eager, conf.task_default_queue, conf.broker_url = previous
    reset_broker_pools(current_app)


@pytest.fixture
def slow_worker(tmp_path, publish_to):
    with running_worker(Path(tmp_path), SLOW) as worker:
        publish_to(worker)
        yield worker


def _city_and_union_with_reports(count: int, username: str):
    """The city, a union whose collaborator sent ``count`` reports in the period of PERIOD_DAY, the period."""
    Topic.objects.get_or_create(code="WAGES", defaults={"name": "Tiền lương, thu nhập"})  # flushed by earlier tests
    city = UnitFactory(kind=UnitKind.CITY_FEDERATION, code="CITY", name="Liên đoàn Lao động thành phố")
    union = UnitFactory(parent=city, code="WARD-A", name="Công đoàn phường Ba Đình")
    author = UserFactory(username=username, unit=union, role=Role.COLLABORATOR)
    period = ReportingPeriod.objects.month_of(PERIOD_DAY)
    day = period.starts_on + timedelta(days=3)
    sent = timezone.make_aware(datetime(day.year, day.month, day.day, 9))
    for _ in range(count):
        make_report(author, sent_at=sent)
    return city, union, period


def _seconds_ago(seconds: int):
    """A time in the past by the database's clock (the worker's), not this test's."""
    return ExpressionWrapper(Now() - timedelta(seconds=seconds), output_field=DateTimeField())


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
    city, union, period = _city_and_union_with_reports(7, "ctv-kill")
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


def test_a_whole_worker_killed_mid_compile_then_the_next_worker_finishes_it_after_the_lease(tmp_path, publish_to):
    city, _union, period = _city_and_union_with_reports(7, "ctv-killall")
    summary, _ = summary_schedule(scope=city, period=period)

    with running_worker(tmp_path, SLOW) as first:
        publish_to(first)
        compile_summary.delay(summary.pk)
        _wait(
            lambda: Summary.objects.filter(pk=summary.pk, status=SummaryStatus.COMPILING, attempts=1).exists(),
            30,
            first,
            "the first worker claiming the summary",
        )
        os.killpg(first.process.pid, signal.SIGKILL)  # the worker and its pool: nobody gives the message back
        first.process.wait(timeout=10)
    # Its lease still runs: the summary is compiling, and nothing else would finish it within the hour.
    assert Summary.objects.filter(pk=summary.pk, status=SummaryStatus.COMPILING).exists()

    with running_worker(tmp_path, {"SUMMARY_COMPILE_LEASE_SECONDS": str(LEASE)}) as second:
        publish_to(second)
        _wait(
            lambda: Summary.objects.filter(pk=summary.pk, claimed_until__lt=Now()).exists(),
            LEASE + 10,
            second,
            "the dead worker's lease lapsing",
        )
        resume_compiles.delay()  # what beat runs every few minutes
        _wait(
            lambda: Summary.objects.filter(pk=summary.pk, status=SummaryStatus.COMPILED).exists(),
            60,
            second,
            "the resumed compile finishing on the next worker",
        )

    summary.refresh_from_db()
    assert summary.attempts == 2  # the killed attempt, then the resumed one
    assert summary.statistics["totals"]["reports"] == Report.objects.count() == 7
    assert summary.claimed_until is None and summary.progress == 100
    assert Summary.objects.filter(scope=city, period=period).count() == 1


def _compile_now_with_the_broker_down(client, union, period, caplog):
    """Staff press "compile now" while the web side's broker does not answer; the broker is back afterwards."""
    conf = current_app.conf
    real_broker_url = conf.broker_url
    conf.broker_url = CLOSED_BROKER_URL
    reset_broker_pools(current_app)
    try:
        with caplog.at_level(logging.WARNING):
            form = {"scope": union.pk, "kind": "monthly", "month": f"{period.month:%Y-%m}"}
            response = client.post(reverse("summaries:compile_new"), form)
    finally:
        conf.broker_url = real_broker_url
        reset_broker_pools(current_app)
    return response


def test_compile_now_with_the_broker_down_answers_success_and_resume_compiles_finishes_it(
    live_worker, publish_to, client, caplog
):
    publish_to(live_worker)
    _city, union, period = _city_and_union_with_reports(5, "ctv-down")
    client.force_login(UserFactory(username="staff-down", unit=union, role=Role.STAFF))

    response = _compile_now_with_the_broker_down(client, union, period, caplog)

    summary = Summary.objects.get(scope=union, period=period)
    detail = reverse("summaries:detail", args=[summary.pk])
    assert response.status_code == 302 and response.url == detail
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["success"]
    assert summary.status == SummaryStatus.PENDING and summary.attempts == 0
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert f"summaries.tasks.compile_summary({summary.pk})" in warnings[0].getMessage()
    assert warnings[0].exc_info is None  # one line, no traceback
    page = client.get(detail).content.decode()
    assert 'data-testid="recompile"' in page and 'data-testid="compile-stalled"' not in page

    # Past its grace the summary counts as stalled: the page says so, and resume_compiles queues it.
    Summary.objects.filter(pk=summary.pk).update(created_at=_seconds_ago(120))
    assert 'data-testid="compile-stalled"' in client.get(detail).content.decode()
    resume_compiles.delay()
    _wait(
        lambda: Summary.objects.filter(pk=summary.pk, status=SummaryStatus.COMPILED).exists(),
        60,
        live_worker,
        "the resumed compile finishing",
    )
    summary.refresh_from_db()
    assert summary.attempts == 1
    assert summary.statistics["totals"]["reports"] == Report.objects.count() == 5
    assert Summary.objects.filter(scope=union, period=period).count() == 1


def test_compile_again_on_a_summary_left_pending_by_the_broker_queues_it_again(live_worker, publish_to, client, caplog):
    publish_to(live_worker)
    _city, union, period = _city_and_union_with_reports(3, "ctv-again")
    client.force_login(UserFactory(username="staff-again", unit=union, role=Role.STAFF))
    _compile_now_with_the_broker_down(client, union, period, caplog)
    summary = Summary.objects.get(scope=union, period=period)
    assert summary.status == SummaryStatus.PENDING

    response = client.post(reverse("summaries:recompile", args=[summary.pk]))  # the broker is back

    assert response.status_code == 302
    _wait(
        lambda: Summary.objects.filter(pk=summary.pk, status=SummaryStatus.COMPILED).exists(),
        60,
        live_worker,
        "the compile queued again finishing",
    )
    summary.refresh_from_db()
    assert summary.attempts == 1 and summary.statistics["totals"]["reports"] == 3
    assert Summary.objects.filter(scope=union, period=period).count() == 1
