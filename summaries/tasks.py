"""Thin Celery tasks: they take ids, not objects (a row may change before the worker runs), and call services."""

from celery import shared_task

from core.tasks import enqueue, enqueue_on_commit
from summaries.services import summaries as services
from summaries.services.compliance import compliance_reminders_send
from summaries.services.tallies import tallies_catch_up as _tallies_catch_up


def compile_after_commit(summary_id: int) -> None:
    """Queue the compile of a pending summary once the transaction that left it pending commits.

    The services leave summaries pending and the callers (these tasks, the summaries views) queue them:
    this module imports the services, so the services cannot import it back.
    With the broker down or hung the summary stays pending and ``resume_compiles`` queues it again.
    """
    enqueue_on_commit(compile_summary, summary_id)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=20, time_limit=900, soft_time_limit=840)
def compile_summary(self, summary_id: int) -> bool:
    """Compile one summary. Held by another worker's live claim: retry when that claim lapses."""
    if services.summary_compile(summary_id=summary_id):
        return True
    remaining = services.summary_claim_remaining(summary_id=summary_id)
    if remaining is not None:
        raise self.retry(countdown=remaining + 1)
    return False


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=300, soft_time_limit=240)
def compile_due_summaries(kind: str = "monthly", today: str | None = None) -> int:
    """``today`` (ISO date) only to replay a given day; the schedule passes nothing."""
    from datetime import date

    queued = services.summaries_schedule_due(kind=kind, today=date.fromisoformat(today) if today else None)
    for summary_id in queued:
        compile_after_commit(summary_id)
    return len(queued)


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=120, soft_time_limit=100)
def resume_compiles() -> int:
    ids = services.summaries_resume()
    for summary_id in ids:
        enqueue(compile_summary, summary_id)
    return len(ids)


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def send_compliance_reminders() -> int:
    return compliance_reminders_send()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def tallies_catch_up() -> int:
    return _tallies_catch_up()
