"""Celery tasks for customer e-mails: thin wrappers around notifications.services.

Without REDIS_URL (make run, the tests) they run in-process, right after the sync run closes."""

import logging

from celery import shared_task

from . import services
from .services import (
    customer_email_queued,
    customer_email_send,
    customer_emails_due,
    details_reminders_plan,
    run_reports_plan,
    runs_to_report,
)

logger = logging.getLogger(__name__)


def _queue(email_ids: list[int]) -> int:
    """Queue one task per e-mail. One that cannot be queued (a broker down; in-process, an e-mail
    that fails) stops no other: it stays pending, and the sweep queues it again."""
    customer_email_queued(email_ids)
    queued = 0
    for email_id in email_ids:
        try:
            customer_email_send_task.delay(email_id)
            queued += 1
        except Exception as error:
            logger.warning(
                "customer e-mail #%s not queued (%s): left to the sweep", email_id, type(error).__name__
            )
    return queued


@shared_task(name="notifications.run_reports", acks_late=True)
def run_reports_plan_task(run_id: int) -> int:
    """After a sync run closed: one report per customer it concerned (idempotent). Queues
    QUEUE_CHUNK of them, then hands the rest to a fresh task."""
    email_ids = run_reports_plan(run_id)
    queued = _queue(email_ids)
    logger.info("directory sync #%s: %s reports to customers queued", run_id, queued)
    if len(email_ids) == services.QUEUE_CHUNK:
        run_reports_plan_task.delay(run_id)
    return queued


@shared_task(name="notifications.details_reminders", acks_late=True)
def details_reminders_task() -> int:
    """Beat, monthly (DETAILS_REMINDER_SCHEDULE): this month's reminders (idempotent), QUEUE_CHUNK
    at a time."""
    email_ids = details_reminders_plan()
    queued = _queue(email_ids)
    logger.info("details reminders: %s queued", queued)
    if len(email_ids) == services.QUEUE_CHUNK:
        details_reminders_task.delay()
    return queued


@shared_task(name="notifications.send", bind=True, acks_late=True, max_retries=None)
def customer_email_send_task(self, email_id: int) -> str:
    """One e-mail; sent at most once whatever the deliveries (the row is locked and marked in one
    transaction). After a failure it retries by itself for short waits; longer ones, and any
    wait in-process (no broker), are the sweep's."""
    result = customer_email_send(email_id)
    if result.retry_in is not None and not self.request.is_eager:
        raise self.retry(countdown=result.retry_in)
    return result.state


@shared_task(name="notifications.sweep")
def customer_emails_sweep() -> int:
    """Beat, every ten minutes: plan the recent runs' reports (a run closed while the broker was
    down) and queue the e-mails due without a live task (never queued, lost, or waiting longer
    than a task waits by itself)."""
    for run_id in runs_to_report():
        run_reports_plan(run_id)
    return _queue(customer_emails_due())
