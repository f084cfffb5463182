"""The sync spread over real Celery worker processes consuming from Redis, on PostgreSQL."""

import csv
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from directory.models import Listing, Publication, SyncBatch, SyncRun
from directory.tasks import directory_sync_scheduled
from telecom_panel.celery import app
from tests import production
from tests.factories import make_scheduled_services

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
BATCH_SIZE = 100


def start_worker(tmp_path, *, concurrency=2, **environment):
    """A `celery worker` process group on the test database and Redis; waits until it answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "telecom_panel", "worker", "-c", str(concurrency), "-l", "WARNING",
         "--without-gossip", "--without-mingle", "-n", f"test-{os.getpid()}-{time.monotonic_ns()}@%h"],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "telecom_panel.settings.base",
            "DATABASE_URL": production.test_database_url(),
            "DIRECTORY_SYNC_BATCH_SIZE": str(BATCH_SIZE),
            "DIRECTORY_EXPORT_DIR": str(tmp_path / "exports"),
            **environment,
        },
        start_new_session=True,  # its own process group: a SIGKILL takes the pool children too
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=1):
        assert process.poll() is None, "the worker exited at start"
        assert time.monotonic() < deadline, "the worker did not answer in 60 s"
    return process


def empty_the_broker():
    """Drop the queue and the messages a killed worker left unacknowledged. Kombu puts those back
    in the queue once the visibility timeout has passed, possibly in a later test session whose
    batches reuse the same ids (a new test database restarts its sequences): left there, an old
    message would claim a batch of this test's run."""
    with app.connection_for_write() as connection_:
        connection_.default_channel.client.flushdb()


@pytest.fixture
def broker(settings, tmp_path, communes):
    """Tasks go to Redis (not in-process) for the test, on an empty broker."""
    settings.DIRECTORY_SYNC_BATCH_SIZE = BATCH_SIZE
    settings.DIRECTORY_EXPORT_DIR = tmp_path / "exports"
    app.conf.task_always_eager = False
    empty_the_broker()
    processes = []
    yield processes
    app.conf.task_always_eager = True
    for process in processes:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
    empty_the_broker()


@pytest.fixture
def worker(broker, tmp_path):
    """Two worker processes (`celery worker -c 2`)."""
    broker.append(start_worker(tmp_path))
    return broker[-1]


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


def test_a_worker_killed_mid_run_is_taken_over_within_the_limit_and_every_record_goes_out_once(
    customer, broker, tmp_path, settings
):
    stale_after = 4
    settings.DIRECTORY_SYNC_STALE_AFTER = stale_after
    services = make_scheduled_services(customer, 6000)  # 60 batches of 100
    first = start_worker(tmp_path, concurrency=1, DIRECTORY_SYNC_STALE_AFTER=str(stale_after))
    broker.append(first)
    directory_sync_scheduled.delay()
    deadline = time.monotonic() + 60
    # Kill it in the middle of a batch (a batch takes far longer than these two queries).
    while (
        SyncBatch.objects.filter(state="done").count() < 5
        or not SyncBatch.objects.filter(state="running").exists()
    ):
        assert time.monotonic() < deadline, "the worker did not get going"
        time.sleep(0.01)
    os.killpg(first.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    first.wait(timeout=30)
    dead = SyncRun.objects.get()
    assert dead.status == "running" and Publication.objects.filter(status="scheduled").exists()
    # Rarely the batch ends between the query and the kill: then nothing is held, the other worker
    # finishes the run and there is nothing to take over. Either way every record goes out once.
    held = SyncBatch.objects.filter(run=dead, state="running").exists()

    # Another worker drains what was queued; the batch the dead one held stays held.
    broker.append(start_worker(tmp_path, concurrency=2, DIRECTORY_SYNC_STALE_AFTER=str(stale_after)))
    # Ops (or beat) start a run: refused while the dead run may be alive, taken over once it is stale.
    while True:
        out = StringIO()
        call_command("sync_directory", "--distribute", stdout=out, stderr=StringIO())
        if "déjà en cours" not in out.getvalue():
            break
        assert time.monotonic() - killed_at < stale_after + 30, "the dead run was never taken over"
        time.sleep(0.5)
    taken_over_after = time.monotonic() - killed_at
    assert "Réussie" in out.getvalue()
    assert taken_over_after < stale_after + 30

    dead.refresh_from_db()
    assert dead.status == ("abandoned" if held else "succeeded")
    assert Publication.objects.filter(status="synced").count() == len(services)
    sent = Counter()
    for run in SyncRun.objects.exclude(export_released_at=None):
        for name in run.export_files:
            if name.endswith(".csv"):
                with open(settings.DIRECTORY_EXPORT_DIR / name, encoding="utf-8", newline="") as f:
                    sent.update(row["listing_id"] for row in csv.DictReader(f))
    assert set(sent) == {str(service.pk) for service in services}
    assert set(sent.values()) == {1}  # each record exactly once, across the dead run and the new one
    assert Listing.objects.count() == len(services)


def test_readyz_is_ready_once_a_worker_answers(worker, client):
    from telecom_panel import health

    health._worker_seen_at, health._worker_missed_at = 0.0, -health.WORKER_MISS_TTL
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["worker"] == "ok"
