"""The directory sync: statuses, publishers, concurrency with edits, failures, one run at a time."""

import csv
import json
import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from directory import publishers as publishers_module
from directory.models import Listing, Publication, SyncBatch, SyncRun
from directory.sync import SyncAlreadyRunning, directory_sync_run, sync_batch_process
from lines.services import contact_details_apply
from tests.factories import (
    COMPANY_DETAILS,
    INDIVIDUAL_DETAILS,
    make_contact_details,
    make_scheduled_services,
    make_service,
)

pytestmark = pytest.mark.django_db
LISTED = {"listed": True, "marketing_accepted": False, "reverse_search": True, "name_display": "initial",
          "address_display": "city", "line_designation": "Maison"}  # fmt: skip


@pytest.fixture
def export_dir(settings):
    return settings.DIRECTORY_EXPORT_DIR  # a temporary folder: tests/conftest.py


def run(**kwargs):
    return directory_sync_run(trigger=SyncRun.Trigger.COMMAND, **kwargs)


def exported_rows(export_dir):
    rows = []
    for path in sorted(export_dir.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as f:
            rows += list(csv.DictReader(f))
    return rows


def publish(service, actor, **choices):
    return contact_details_apply(
        service=service, details=INDIVIDUAL_DETAILS, publication={**LISTED, **choices}, actor=actor
    )


def test_a_run_publishes_updates_and_withdraws(customer, export_dir):
    new, changed, leaving = make_service(customer), make_service(customer), make_service(customer)
    for service in (new, changed, leaving):
        publish(service, customer)
    run()
    publish(changed, customer, line_designation="Bureau")
    contact_details_apply(
        service=leaving, details=INDIVIDUAL_DETAILS, publication={"listed": False}, actor=customer
    )

    second = run()

    assert (second.status, second.added, second.updated, second.withdrawn) == ("succeeded", 0, 1, 1)
    states = {p.service_id: (p.status, p.in_directory) for p in Publication.objects.all()}
    assert states == {new.pk: ("synced", True), changed.pk: ("synced", True), leaving.pk: ("none", False)}
    assert set(Listing.objects.values_list("service_id", flat=True)) == {new.pk, changed.pk}
    listing = Listing.objects.get(service=changed)
    assert (listing.name, listing.street, listing.city, listing.line_designation) == (
        "Durand C.",
        "",
        "Paris 11e Arrondissement",  # the official name, stored by contact_details_apply (issue 13)
        "Bureau",
    )
    rows = exported_rows(export_dir)
    assert [row["action"] for row in rows] == ["add", "add", "add", "update", "withdraw"]
    withdrawal = rows[-1]
    assert (withdrawal["action"], withdrawal["listing_id"]) == ("withdraw", str(leaving.pk))
    assert not any(value for key, value in withdrawal.items() if key not in {"action", "listing_id"})


def test_the_export_has_a_manifest_with_its_count_and_checksum(customer, export_dir):
    import hashlib

    make_scheduled_services(customer, 7)
    finished = run(batch_size=3)
    assert finished.batches_total == 3
    export, manifest_name = finished.export_files
    manifest = json.loads((export_dir / manifest_name).read_text())
    content = (export_dir / export).read_bytes()
    assert manifest["rows"] == 7 == content.count(b"\n") - 1  # a header line, then one row per change
    assert manifest["sha256"] == hashlib.sha256(content).hexdigest()
    assert not list(export_dir.glob(".*"))  # no temporary or part file left behind


def test_an_edit_after_pickup_stays_scheduled_and_goes_out_next_time(customer, monkeypatch):
    service = make_service(customer)
    publish(service, customer)
    real_publish = publishers_module.AnnuairePublisher.publish

    def publish_while_the_customer_edits(self, cursor, **kwargs):
        results = real_publish(self, cursor, **kwargs)
        # The record has been read and sent; the customer saves a new name before the flip.
        contact_details_apply(
            service=service,
            details={**INDIVIDUAL_DETAILS, "last_name": "Durand-Martin"},
            publication=LISTED,
            actor=customer,
        )
        return results

    monkeypatch.setattr(publishers_module.AnnuairePublisher, "publish", publish_while_the_customer_edits)
    first = run()
    monkeypatch.undo()

    assert (first.added, first.left_for_next) == (0, 1)
    assert Publication.objects.get(service=service).status == "scheduled"
    second = run()
    # The first run did send the listing it read: the record is marked held, this is an update.
    assert Publication.objects.get(service=service).in_directory
    assert (second.updated, second.added, second.left_for_next) == (1, 0, 0)
    assert Publication.objects.get(service=service).status == "synced"
    assert Listing.objects.get(service=service).name == "Durand-Martin C."


def test_a_failure_in_the_middle_batch_then_a_rerun_publishes_every_record_once(
    customer, export_dir, monkeypatch
):
    services = make_scheduled_services(customer, 30)
    real_publish = publishers_module.FilePublisher.publish

    def failing_in_batch_two(self, cursor, **kwargs):
        if kwargs["part"].startswith("batch-000002-"):
            raise OSError("disk full")
        return real_publish(self, cursor, **kwargs)

    monkeypatch.setattr(publishers_module.FilePublisher, "publish", failing_in_batch_two)
    first = run(batch_size=10)
    monkeypatch.undo()
    assert (first.status, first.added, first.left_for_next) == ("failed", 20, 10)
    assert "disk full" in first.errors
    assert Publication.objects.filter(status="scheduled").count() == 10
    assert Listing.objects.count() == 20  # the failed batch's listings were rolled back with it

    second = run(batch_size=10)
    assert (second.status, second.added, second.left_for_next) == ("succeeded", 10, 0)
    listing_ids = [row["listing_id"] for row in exported_rows(export_dir)]
    assert sorted(listing_ids) == sorted(str(service.pk) for service in services)  # each exactly once
    assert Listing.objects.count() == 30
    assert not Publication.objects.exclude(status="synced").exists()


def test_a_rejected_record_shows_the_reason_and_the_next_edit_schedules_it_again(customer):
    service = make_service(customer)
    publish(service, customer, line_designation="www.promo.fr")

    finished = run()

    publication = Publication.objects.get(service=service)
    assert (finished.rejected, publication.status, publication.in_directory) == (1, "error", False)
    assert publication.error_reason.startswith("La désignation de la ligne ne peut contenir ni adresse web")
    publish(service, customer, line_designation="Standard")
    assert Publication.objects.get(service=service).status == "scheduled"
    run()
    assert Publication.objects.get(service=service).status == "synced"


def test_a_second_start_while_a_run_is_under_way_is_refused(customer):
    make_scheduled_services(customer, 3)
    now = timezone.now()
    running = SyncRun.objects.create(trigger="beat", batch_size=10, started_at=now, heartbeat_at=now)
    with pytest.raises(SyncAlreadyRunning) as refused:
        run()
    assert refused.value.run == running
    assert Publication.objects.filter(status="scheduled").count() == 3
    out = StringIO()
    call_command("sync_directory", "--no-progress", stdout=out)  # says so, exits cleanly
    assert "déjà en cours" in out.getvalue()


def test_a_dead_run_is_closed_as_abandoned_and_the_next_run_finishes_the_job(customer, export_dir):
    make_scheduled_services(customer, 6)
    # A run whose worker died after its first batch: one batch done, one never started.
    started = timezone.now() - timedelta(hours=2)
    dead = SyncRun.objects.create(trigger="beat", batch_size=3, started_at=started, heartbeat_at=started,
                                  publishers=["annuaire", "file"])  # fmt: skip
    ids = list(Publication.objects.order_by("service_id").values_list("service_id", flat=True))
    first = SyncBatch.objects.create(run=dead, number=1, after_id=0, last_id=ids[2])
    SyncBatch.objects.create(run=dead, number=2, after_id=ids[2], last_id=ids[5])
    sync_batch_process(first.pk)
    SyncRun.objects.filter(pk=dead.pk).update(heartbeat_at=started)

    fresh = run(batch_size=3)

    dead.refresh_from_db()
    assert (dead.status, dead.added) == ("abandoned", 3)
    assert (fresh.status, fresh.added) == ("succeeded", 3)
    assert len(exported_rows(export_dir)) == 6  # the dead run's committed batch was exported too
    assert not Publication.objects.exclude(status="synced").exists()


def test_a_redelivered_batch_is_not_processed_twice(customer):
    make_scheduled_services(customer, 4)
    finished = run(batch_size=2)
    batch = finished.batches.first()
    assert sync_batch_process(batch.pk) is None
    assert SyncBatch.objects.get(pk=batch.pk).attempts == 1


def test_a_run_for_one_publisher_leaves_the_statuses_for_the_full_run(customer, export_dir):
    make_scheduled_services(customer, 2)
    partial = run(publisher_names=["file"])
    assert (partial.status, partial.added, partial.left_for_next) == ("succeeded", 0, 2)
    assert Publication.objects.filter(status="scheduled").count() == 2
    assert not Listing.objects.exists()


def test_dry_run_changes_nothing_in_the_database_or_on_disk(customer, export_dir):
    make_scheduled_services(customer, 5)
    service = make_service(customer)
    make_contact_details(service)
    Publication.objects.create(service=service, listed=False, in_directory=True, status="scheduled",
                               scheduled_at=timezone.now())  # fmt: skip

    def snapshot():
        return (
            list(Publication.objects.order_by("pk").values()),
            Listing.objects.count(),
            SyncRun.objects.count(),
            SyncBatch.objects.count(),
        )

    before = snapshot()
    out = StringIO()
    call_command("sync_directory", "--dry-run", stdout=out)
    assert snapshot() == before
    assert not export_dir.exists()
    assert "ajoutées" in out.getvalue() and "5" in out.getvalue()


def test_the_command_prints_a_summary_and_fails_loudly(customer, monkeypatch):
    make_scheduled_services(customer, 3)
    out = StringIO()
    call_command("sync_directory", "--batch-size", "2", "--no-progress", stdout=out)
    assert "ajoutées" in out.getvalue() and "Réussie" in out.getvalue()

    make_scheduled_services(customer, 1, first_number=30_000_000)
    monkeypatch.setattr(publishers_module.FilePublisher, "publish", lambda self, cursor, **kw: 1 / 0)
    with pytest.raises(CommandError, match="a échoué"):
        call_command("sync_directory", "--no-progress", stdout=StringIO())


def test_the_sync_runs_a_thousand_services_in_batches(customer):
    make_scheduled_services(customer, 1000)
    finished = run(batch_size=150)
    assert (finished.status, finished.batches_total, finished.added) == ("succeeded", 7, 1000)
    assert Listing.objects.count() == 1000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_started_at_once_exactly_one_runs(customer, communes):
    make_scheduled_services(customer, 50)
    barrier, outcomes = threading.Barrier(2), []

    def start():
        barrier.wait()
        try:
            outcomes.append(run(batch_size=10).status)
        except SyncAlreadyRunning:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "succeeded"]
    assert SyncRun.objects.count() == 1
    assert Publication.objects.filter(status="synced").count() == 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_edit_made_while_the_batch_sends_waits_for_it_and_goes_out_next_time(
    customer, communes, monkeypatch
):
    service = make_service(customer)
    publish(service, customer)
    real_publish = publishers_module.AnnuairePublisher.publish
    edit_started, threads = threading.Event(), []

    def publish_while_a_customer_edits(self, cursor, **kwargs):
        results = real_publish(self, cursor, **kwargs)

        def edit():
            edit_started.set()
            publish(service, customer, line_designation="Nouveau")
            connection.close()

        threads.append(threading.Thread(target=edit))
        threads[0].start()
        edit_started.wait()
        time.sleep(0.3)  # the edit is now waiting for the batch's lock on the publication
        return results

    monkeypatch.setattr(publishers_module.AnnuairePublisher, "publish", publish_while_a_customer_edits)
    first = run()
    monkeypatch.undo()
    threads[0].join(timeout=30)
    # The batch sent what it read; the edit, made after it, is scheduled for the next run.
    assert (first.added, first.left_for_next) == (1, 0)
    publication = Publication.objects.get(service=service)
    assert (publication.status, publication.in_directory) == ("scheduled", True)
    assert Listing.objects.get(service=service).line_designation == "Maison"
    run()
    assert Listing.objects.get(service=service).line_designation == "Nouveau"


def test_services_that_never_asked_for_publication_are_not_touched(customer):
    never = make_service(customer)
    make_contact_details(never)
    Publication.objects.create(service=never, listed=False)
    finished = run()
    assert (finished.batches_total, Publication.objects.get(service=never).status) == (0, "none")


def test_the_export_keeps_quotes_backslashes_and_accents_intact(customer, export_dir):
    service = make_service(customer)
    contact_details_apply(
        service=service,
        details={**COMPANY_DETAILS, "company_name": 'Le "Bon" Coin \\ Sud — Œuvre'},
        publication={"listed": True, "line_designation": "Accueil"},
        actor=customer,
    )
    run()
    (row,) = exported_rows(export_dir)
    assert row["name"] == 'Le "Bon" Coin \\ Sud — Œuvre'  # COMPANY_DETAILS has no name complement
    assert row["opposes_marketing"] == "true" and row["line_designation"] == "Accueil"
