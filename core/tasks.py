"""Queueing background work without ever waiting on the broker.

Work that must not be lost is a row first (an outbox message, a pending summary) and a periodic job
picks up whatever was not queued. So queueing is only a way to start that work sooner, and it must
never hold a request: each task is published once, on a connection of this thread with short timeouts
and no retries (the broker settings keep their longer timeouts and retries for the workers and beat);
after the first failure in a request (or a task run), the rest of it does not try again and waits for
the periodic job; a failure is one warning line, never a traceback.

Every ``.delay``/``apply_async`` reachable from a request goes through ``enqueue`` or
``enqueue_on_commit``.
"""

import contextlib
import logging
import os
import threading
import time

from celery import current_app
from celery.signals import task_prerun
from django.conf import settings
from django.core.signals import request_started
from django.db import transaction

logger = logging.getLogger(__name__)

# Outside a request or a task (a management command, a shell) a failure is remembered this long.
FAILURE_REMEMBERED_SECONDS = 60

_local = threading.local()


def enqueue_on_commit(task, *args) -> None:
    """Queue ``task(*args)`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(task, *args))


def enqueue(task, *args) -> bool:
    """Publish ``task(*args)`` now, once, without waiting on the broker. True when it was queued.

    Without a broker (tasks run eagerly in this process) the task runs here.
    """
    app = current_app
    if app.conf.task_always_eager:
        task.apply_async(args)
        return True
    if broker_failed():
        logger.debug(
            "Not queueing %s(%s): the broker failed earlier in this request", task.name, ", ".join(map(repr, args))
        )
        return False
    try:
        task.apply_async(args, connection=_connection(app), retry=False)
    except Exception as error:  # noqa: BLE001 - any broker failure leaves the row for the periodic job
        _forget_connection()
        _local.failed_at = time.monotonic()
        logger.warning(
            "Could not queue %s(%s): %s: %s; it is left for the periodic job",
            task.name,
            ", ".join(map(repr, args)),
            type(error).__name__,
            " ".join(str(error).split()),
        )
        return False
    return True


def broker_failed() -> bool:
    """Whether a publish failed earlier in this request or task run."""
    failed_at = getattr(_local, "failed_at", None)
    return failed_at is not None and time.monotonic() - failed_at < FAILURE_REMEMBERED_SECONDS


def broker_failure_forget(**kwargs) -> None:
    """A new request or task run tries the broker again."""
    _local.failed_at = None


def _connection(app):
    """This thread's publishing connection: short timeouts, no retries; rebuilt if the broker URL changed."""
    url = app.conf.broker_write_url or app.conf.broker_url
    cached = getattr(_local, "connection", None)
    if cached is not None and cached[0] == url:
        return cached[1]
    _forget_connection()
    timeout = settings.ENQUEUE_TIMEOUT_SECONDS
    options = {
        **(app.conf.broker_transport_options or {}),
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
        "max_retries": 0,
        "retry_on_timeout": False,
    }
    connection = app.connection_for_write(url, transport_options=options, connect_timeout=timeout)
    _local.connection = (url, connection)
    return connection


def _forget_connection() -> None:
    cached = getattr(_local, "connection", None)
    _local.connection = None
    if cached is not None:
        # A broken connection may fail to close; it is dropped anyway.
        with contextlib.suppress(Exception):
            cached[1].release()


def _after_fork() -> None:
    """A child process must not share its parent's broker socket."""
    _local.connection = None
    _local.failed_at = None


request_started.connect(broker_failure_forget, dispatch_uid="core.tasks.broker_failure_forget")
task_prerun.connect(broker_failure_forget, dispatch_uid="core.tasks.broker_failure_forget", weak=False)
os.register_at_fork(after_in_child=_after_fork)
