import logging

from celery import shared_task

from privacy.services import RetentionNotConfirmed, retention_run

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=1800, soft_time_limit=1700)
def apply_retention(started_by_id=None):
    """The daily retention run; it waits (and says so in the log) until an administrator has confirmed a
    dry run of the current settings."""
    try:
        run = retention_run(apply=True, started_by=started_by_id)
    except RetentionNotConfirmed:
        logger.warning("Retention: no confirmed dry run of the current settings; nothing removed.")
        return None
    return run.pk
