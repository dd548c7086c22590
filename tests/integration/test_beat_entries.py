"""Every periodic job written by ``setup_periodic_tasks`` can be sent to a real broker, the way beat sends it.

Celery refuses to send a task whose limits do not fit together (a soft limit above the hard one) or whose
arguments do not match its signature; beat then logs "Couldn't apply scheduled task" at every tick and the
job never runs. Here beat's own scheduler sends each entry to Redis, on a queue of the test's own, which is
emptied afterwards.
"""

import uuid

import pytest
import redis
from celery import current_app
from celery.beat import Scheduler
from django.conf import settings
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import ModelEntry

from notifications.management.commands.setup_periodic_tasks import declared_schedules
from tests.helpers import reset_broker_pools
from tests.integration.conftest import missing_prerequisite

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_queue():
    """Tasks are published to the Redis of REDIS_URL, on a queue nobody consumes; emptied afterwards."""
    if not settings.REDIS_URL:
        missing_prerequisite("sending the beat entries needs a Redis broker (REDIS_URL is not set)")
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        missing_prerequisite(f"Redis at REDIS_URL={settings.REDIS_URL} does not answer PING: {error}")
    conf = current_app.conf
    previous = (conf.task_always_eager, conf.broker_url)
    conf.task_always_eager = False
    conf.broker_url = settings.REDIS_URL
    reset_broker_pools(current_app)
    queue = f"test-beat-{uuid.uuid4().hex[:12]}"
    try:
        yield client, queue
    finally:
        conf.task_always_eager, conf.broker_url = previous
        reset_broker_pools(current_app)
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def test_every_beat_entry_is_sent_to_the_broker_as_beat_sends_it(broker_queue):
    client, queue = broker_queue
    call_command("setup_periodic_tasks", verbosity=0)
    jobs = list(PeriodicTask.objects.order_by("name"))
    assert {job.name for job in jobs} == {spec["name"] for spec in declared_schedules()}
    assert "summaries.resume_compiles" in {job.name for job in jobs}

    current_app.loader.import_default_modules()  # the tasks modules, as beat imports them when it starts
    # Beat's own sending code (django-celery-beat's scheduler inherits it), without its database syncing.
    scheduler = Scheduler(app=current_app, lazy=True)
    for job in jobs:
        assert job.task in current_app.tasks, job.name  # sent as a registered task, its limits checked
        entry = ModelEntry(job, app=current_app)
        entry.options["queue"] = queue
        scheduler.apply_async(entry, advance=False)  # raises SchedulingError when Celery refuses the task

    assert client.llen(queue) == len(jobs)
