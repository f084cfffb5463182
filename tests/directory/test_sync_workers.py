"""The sync spread over real Celery worker processes consuming from Redis, on PostgreSQL."""

import os
import subprocess
import sys
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from directory.models import Listing, Publication, SyncRun
from directory.tasks import directory_sync_scheduled
from telecom_panel.celery import app
from tests.factories import make_scheduled_services

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
BATCH_SIZE = 100


@pytest.fixture
def worker(settings, tmp_path, communes):
    """Two worker processes (`celery worker -c 2`) on the test database and Redis."""
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "telecom_panel.settings.base",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "DIRECTORY_SYNC_BATCH_SIZE": str(BATCH_SIZE),
        "DIRECTORY_EXPORT_DIR": str(tmp_path / "exports"),
    }
    settings.DIRECTORY_SYNC_BATCH_SIZE = BATCH_SIZE
    settings.DIRECTORY_EXPORT_DIR = tmp_path / "exports"
    app.conf.task_always_eager = False
    app.control.purge()
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "telecom_panel", "worker", "-c", "2", "-l", "WARNING",
         "--without-gossip", "--without-mingle", "-n", f"test-{os.getpid()}@%h"],
        env=environment,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=1):
            assert process.poll() is None, "the worker exited at start"
            assert time.monotonic() < deadline, "the worker did not answer in 60 s"
        yield process
    finally:
        app.conf.task_always_eager = True
        process.terminate()
        process.wait(timeout=30)


def wait_for_the_run_to_close(timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = SyncRun.objects.order_by("-pk").first()
        if run and run.status != SyncRun.Status.RUNNING:
            return run
        time.sleep(0.3)
    raise AssertionError("the run did not close")


def test_the_beat_task_spreads_a_thousand_services_over_the_workers(customer, worker):
    make_scheduled_services(customer, 1000)
    directory_sync_scheduled.delay()
    run = wait_for_the_run_to_close()
    assert (run.status, run.trigger, run.batches_total, run.added) == ("succeeded", "beat", 10, 1000)
    assert Listing.objects.count() == 1000
    assert Publication.objects.filter(status="synced").count() == 1000
    assert set(run.batches.values_list("state", flat=True)) == {"done"}


def test_sync_directory_distributes_the_batches_and_follows_them(customer, worker):
    make_scheduled_services(customer, 1000)
    out = StringIO()
    call_command(
        "sync_directory", "--distribute", "--batch-size", str(BATCH_SIZE), "--no-progress", stdout=out
    )
    run = SyncRun.objects.get()
    assert (run.status, run.trigger, run.batches_total, run.added) == ("succeeded", "command", 10, 1000)
    assert "Réussie" in out.getvalue()
    assert Publication.objects.filter(status="synced").count() == 1000
