"""Signs of life of a sync while it works, so that a killed one is taken over within
DIRECTORY_SYNC_STALE_AFTER seconds instead of blocking the next run.

A daemon thread, on its own database connection, stamps the run (and the batch being worked on)
every DIRECTORY_SYNC_STALE_AFTER / 6 seconds. It dies with its process: a `kill -9` of the
command or of a worker stops the beats, and the next start (or a worker picking the batch up
again) finds the run or batch stale.
"""

import logging
import threading
from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import SyncBatch, SyncRun

logger = logging.getLogger(__name__)


def heartbeat_interval() -> float:
    return max(0.2, settings.DIRECTORY_SYNC_STALE_AFTER / 6)


def beat(*, run_id: int, batch_id: int | None = None):
    """One sign of life, now."""
    now = timezone.now()
    SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.RUNNING).update(heartbeat_at=now)
    if batch_id is not None:
        SyncBatch.objects.filter(pk=batch_id, state=SyncBatch.State.RUNNING).update(heartbeat_at=now)


@contextmanager
def heartbeat(*, run_id: int, batch_id: int | None = None):
    """Beat for the run (and batch) while the body runs."""
    stop = threading.Event()

    def loop():
        try:
            while not stop.wait(heartbeat_interval()):
                try:
                    beat(run_id=run_id, batch_id=batch_id)
                except Exception:  # a missed beat is not fatal: the next one may pass
                    logger.warning("directory sync #%s: heartbeat failed", run_id, exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=loop, name=f"sync-heartbeat-{run_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
