"""Celery tasks: thin wrappers around directory.sync, so beat, workers and the command share it."""

import logging

from celery import shared_task
from django.conf import settings

from .models import SyncRun
from .sync import SyncAlreadyRunning, directory_sync_run, sync_batch_held, sync_batch_process

logger = logging.getLogger(__name__)


@shared_task(name="directory.sync_run", acks_late=True)
def directory_sync_scheduled():
    """The monthly update (beat): plans the run and hands each batch to a worker. Safe to deliver
    twice: the second delivery finds the run already under way and stops there."""
    try:
        run = directory_sync_run(trigger=SyncRun.Trigger.BEAT, distribute=True)
    except SyncAlreadyRunning as running:
        logger.info("directory sync not started: #%s is already running", running.run and running.run.pk)
        return None
    return run.pk


@shared_task(name="directory.sync_batch", bind=True, acks_late=True, max_retries=None)
def directory_sync_batch(self, batch_id: int):
    """One batch: short (a few seconds), idempotent, so a redelivered message does no harm. A
    batch held by another process is looked at again once that holder's heartbeat would be stale:
    if the holder died (a pool process killed, its task requeued at once), this takes it over."""
    batch = sync_batch_process(batch_id)
    if batch is None and sync_batch_held(batch_id):
        raise self.retry(countdown=settings.DIRECTORY_SYNC_STALE_AFTER + 5)
    return batch.state if batch else "skipped"
