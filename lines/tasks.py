"""Celery tasks of the panel: thin wrappers around lines.services, like directory.tasks.

Without REDIS_URL, Celery runs them in-process (eagerly) once the request's transaction commits.
"""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError

from .services import (
    BULK_TASK_BUDGET,
    bulk_apply_job_fail,
    bulk_apply_job_process,
    bulk_apply_jobs_stalled,
    bulk_apply_queue,
)

logger = logging.getLogger(__name__)


@shared_task(name="lines.bulk_apply", bind=True, acks_late=True, max_retries=3)
def bulk_apply_run(self, job_id: int, budget: float = BULK_TASK_BUDGET):
    """Apply a bulk apply job's pending targets, chunk after chunk (lines.services). Idempotent per
    target, so a redelivered message does no harm. After `budget` seconds it hands the rest to a
    fresh task, so no task comes near the time limits whatever the number of services."""
    try:
        finished = bulk_apply_job_process(job_id, budget=budget)
    except SoftTimeLimitExceeded:  # the chunk under way rolled back whole: a fresh task takes the rest
        logger.warning("bulk apply job %s: out of time, handed to a fresh task", job_id)
        bulk_apply_run.delay(job_id, budget)
        return "continued"
    except DatabaseError as error:  # the chunk rolled back whole: its targets are still pending
        if self.request.retries >= self.max_retries:
            logger.error("bulk apply job %s interrupted (%s)", job_id, type(error).__name__)
            bulk_apply_job_fail(job_id)
            return "failed"
        raise self.retry(countdown=30) from None
    if not finished:
        bulk_apply_run.delay(job_id, budget)
        return "continued"
    return "finished"


@shared_task(name="lines.bulk_apply_sweep")
def bulk_apply_sweep():
    """Beat, every few minutes: queue again the jobs nothing has advanced for a while (a message
    lost with its worker, a broker that was down when the job was recorded)."""
    stalled = bulk_apply_jobs_stalled()
    for job_id in stalled:
        bulk_apply_queue(job_id)
    return len(stalled)
