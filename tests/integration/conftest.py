"""A real Celery worker, started once per module, against the test database.

The worker is a separate process, so it needs a database that two processes
can share (PostgreSQL, not SQLite's in-memory test database) and a broker
that answers (Redis). Without them the tests skip, unless
REQUIRE_INTEGRATION=1 (CI), where a missing prerequisite is a failure.
"""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from celery import current_app
from django.conf import settings
from django.db import connection

from tests.helpers import reset_broker_pools
from tests.prerequisites import missing_prerequisite

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKER_READY_TIMEOUT = 60
# How long a test's teardown waits for the tasks its own tasks queued (wait_idle).
WORKER_IDLE_TIMEOUT = 30


def _worker_prerequisites_problem() -> str | None:
    if connection.vendor != "postgresql":
        return (
            f"the worker test needs PostgreSQL (the database is {connection.vendor}; set DATABASE_URL=postgres://...)"
        )
    redis_url = getattr(settings, "REDIS_URL", "")
    if not redis_url:
        return "the worker test needs a Redis broker (REDIS_URL is not set)"
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "no broker"
        return f"Redis at REDIS_URL={redis_url} does not answer PING: {exc}"
    return None


def _test_database_url() -> str:
    """DATABASE_URL for the test database pytest-django created."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(db['NAME'], safe='')}"


# The worker's INFO lines for a task received and a task ended, by task id.
_RECEIVED = re.compile(r"Task [\w.]+\[([0-9a-f-]+)\] received")
_ENDED = re.compile(r"Task [\w.]+\[([0-9a-f-]+)\] (?:succeeded|raised|failed|retry)")


class Worker:
    def __init__(self, process, log_path: Path, queue: str, hostname: str):
        self.process = process
        self.log_path = log_path
        self.queue = queue
        self.hostname = hostname

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"the Celery worker exited with {self.process.returncode} before it was ready:\n"
                    f"{self.output()[-4000:]}",
                    pytrace=False,
                )
            if f"{self.hostname.split('@')[0]}@" in self.output() and " ready." in self.output():
                return
            time.sleep(0.25)
        pytest.fail(
            f"the Celery worker was not ready within {timeout:.0f} s:\n{self.output()[-4000:]}",
            pytrace=False,
        )

    def wait_idle(self, timeout: float) -> None:
        """Until every task the worker received has ended (succeeded, raised or retried), or ``timeout``:
        a task the test's own task queued (a notification's follow-up) must not be writing while the test's
        database is flushed (the flush's TRUNCATE and the task's row locks deadlock)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            log = self.output()
            received = set(_RECEIVED.findall(log))
            if received <= set(_ENDED.findall(log)):
                return
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            # Warm shutdown first; the worker runs in its own process group,
            # so its pool children go too if it must be killed.
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@contextlib.contextmanager
def running_worker(log_dir: Path, extra_env: dict | None = None):
    """A `celery worker` subprocess consuming a queue of its own, on the test database."""
    problem = _worker_prerequisites_problem()
    if problem:
        missing_prerequisite(problem)

    token = uuid.uuid4().hex[:12]
    queue = f"test-worker-{token}"
    hostname = f"test-{token}@%h"
    log_path = log_dir / f"worker-{token}.log"
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_URL": "consolemail://",
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "opinion_network.settings",
        # Tasks the worker itself enqueues (a compile queued by the schedule) stay on its queue.
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        **(extra_env or {}),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "opinion_network", "worker",
        "--loglevel=INFO", "--concurrency=1", "--pool=prefork",
        "-Q", queue, "-n", hostname,
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed command line
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    worker = Worker(process, log_path, queue, hostname)
    try:
        worker.wait_ready(WORKER_READY_TIMEOUT)
        yield worker
    finally:
        worker.stop()
        forget_queue(env["REDIS_URL"], queue)


def forget_queue(redis_url: str, queue: str) -> None:
    """Remove a test queue from Redis: its messages, its bindings, and the messages a stopped or killed
    worker left unacknowledged on it (Redis would put them back on the queue after an hour)."""
    import json

    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    for tag, payload in client.hgetall("unacked").items():
        try:
            routing_key = json.loads(payload)[2]
        except (ValueError, IndexError, TypeError):
            continue
        if routing_key == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


@pytest.fixture(autouse=True)
def _broker_tried_afresh():
    """Each test starts as a new request would: an earlier test's failed publish does not stop its queueing."""
    from core.tasks import broker_failure_forget

    broker_failure_forget()


@pytest.fixture(scope="module")
def live_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """A `celery worker` subprocess consuming a queue of its own, on the test database."""
    with running_worker(tmp_path_factory.mktemp("celery-worker")) as worker:
        yield worker


@pytest.fixture
def publish_to_worker(live_worker):
    """Tasks in this test are published to the broker, on the live worker's queue."""
    conf = current_app.conf
    previous = (conf.task_always_eager, conf.task_default_queue, conf.broker_url)
    conf.task_always_eager = False
    conf.task_default_queue = live_worker.queue
    # Start from fresh connections: an earlier test may have left the app's
    # pool closed or pointed at another broker.
    reset_broker_pools(current_app)
    try:
        yield live_worker
    finally:
        live_worker.wait_idle(WORKER_IDLE_TIMEOUT)
        conf.task_always_eager, conf.task_default_queue, conf.broker_url = previous
        reset_broker_pools(current_app)
