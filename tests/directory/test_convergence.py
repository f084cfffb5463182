"""The directories converge to what each subscriber chose (issue 9): the five ways they did not.

Each test was written against the code before the delivery record, and failed there."""

import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from directory import publishers as publishers_module
from directory.models import Delivery, Listing, Publication, SyncBatch, SyncRun
from directory.sync import _close_run, directory_sync_run
from lines.services import contact_details_apply
from tests.directory.oracle import assert_converged, assert_nobody_unlisted_in_our_directory, replayed_export
from tests.factories import COMPANY_DETAILS, INDIVIDUAL_DETAILS, make_scheduled_services, make_service

pytestmark = pytest.mark.django_db
LISTED = {"listed": True, "marketing_accepted": True, "reverse_search": True, "name_display": "full",
          "address_display": "full", "line_designation": "Maison"}  # fmt: skip


def choose(service, actor, **choices):
    return contact_details_apply(
        service=service, details=INDIVIDUAL_DETAILS, publication={**LISTED, **choices}, actor=actor
    )


def cancel(service, actor):
    return contact_details_apply(
        service=service, details=INDIVIDUAL_DETAILS, publication={"listed": False}, actor=actor
    )


def sync(*arguments):
    """`sync_directory` as the README shows it, progress bar included."""
    out = StringIO()
    call_command("sync_directory", *arguments, stdout=out, stderr=StringIO())
    return out.getvalue()


# --- 1. A cancelled publication never stays published ---------------------------------------------


@pytest.mark.parametrize("publisher", ["annuaire", "file"])
def test_non_after_a_run_restricted_to_one_publisher_withdraws_the_listing_it_sent(customer, publisher):
    service = make_service(customer)
    choose(service, customer)
    sync("--publisher", publisher)
    assert Publication.objects.get(service=service).status == "scheduled"  # the full run has not been

    cancel(service, customer)
    publication = Publication.objects.get(service=service)
    assert (publication.status, publication.in_directory) == ("scheduled", True)  # a withdrawal, not a blank
    sync()

    publication = Publication.objects.get(service=service)
    assert (publication.status, publication.in_directory) == ("none", False)
    assert not Listing.objects.filter(service=service).exists()
    assert service.pk not in replayed_export()
    assert_converged()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_cancellation_racing_the_batch_that_sends_the_listing_ends_withdrawn(
    customer, communes, monkeypatch
):
    services = [make_service(customer) for _ in range(4)]
    for service in services:
        choose(service, customer)
    real_publish = publishers_module.FilePublisher.publish
    cancelling, threads = threading.Event(), []

    def publish_while_customers_cancel(self, cursor, **kwargs):
        result = real_publish(self, cursor, **kwargs)  # the listings are written, not yet committed

        def cancel_two():
            cancelling.set()
            for service in services[:2]:
                cancel(service, customer)
            connection.close()

        threads.append(threading.Thread(target=cancel_two))
        threads[0].start()
        cancelling.wait()
        time.sleep(0.3)
        return result

    monkeypatch.setattr(publishers_module.FilePublisher, "publish", publish_while_customers_cancel)
    first = directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
    monkeypatch.undo()
    threads[0].join(timeout=30)
    assert first.added == 4
    for service in services[:2]:
        publication = Publication.objects.get(service=service)
        assert (publication.status, publication.in_directory, publication.listed) == (
            "scheduled",
            True,
            False,
        )
    assert_nobody_unlisted_in_our_directory()  # our directory dropped them in the cancelling transaction

    directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
    assert set(replayed_export()) == set(Listing.objects.values_list("service_id", flat=True))
    assert set(replayed_export()) == {service.pk for service in services[2:]}
    assert_converged()


# --- 2. One record never blocks a batch ---------------------------------------------------------


@pytest.mark.postgres
def test_the_longest_values_the_form_accepts_go_through_with_the_others(customer):
    others = make_scheduled_services(customer, 30)
    longest = make_service(customer)
    contact_details_apply(
        service=longest,
        details={**INDIVIDUAL_DETAILS, "last_name": "ß" * 100, "first_name": "ß" * 100,
                 "street_number": 9999, "street_number_suffix": "quinquies", "street_type": "residence",
                 "street_name": "Ŋ" * 100, "address_complement": "Ω" * 100},
        publication=LISTED,
        actor=customer,
    )  # fmt: skip
    sync("--batch-size", "50")
    assert Publication.objects.filter(status="synced").count() == len(others) + 1
    listing = Listing.objects.get(service=longest)
    assert len(listing.street) == 227 and listing.name_search.startswith("SSSS")


@pytest.mark.postgres
def test_a_record_the_database_refuses_is_isolated_and_the_rest_of_its_batch_is_sent(customer):
    services = make_scheduled_services(customer, 40)
    poisoned = services[17]
    with connection.cursor() as cursor:  # a directory table that refuses one number, whatever the reason
        cursor.execute(
            "CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.number = '{poisoned.number}' THEN RAISE EXCEPTION 'refused' USING ERRCODE = '22001'; END IF; "
            "RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_one BEFORE INSERT ON directory_listing FOR EACH ROW EXECUTE FUNCTION refuse_one()"
        )
    out = sync("--batch-size", "40")
    assert "Réussie" in out
    publication = Publication.objects.get(service=poisoned)
    assert publication.status == "error"
    assert "erreur technique DataError (SQLSTATE 22001)" in publication.error_reason
    assert str(poisoned.number) not in publication.error_reason
    assert Publication.objects.filter(status="synced").count() == 39
    assert set(replayed_export()) == {service.pk for service in services} - {poisoned.pk}


@pytest.mark.postgres
def test_a_database_refusing_every_record_fails_the_batch_instead_of_refusing_them_all(customer):
    make_scheduled_services(customer, 40)
    with connection.cursor() as cursor:  # a fault of ours or of the database, not of the records
        cursor.execute(
            "CREATE FUNCTION refuse_all() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'refused' USING ERRCODE = '22001'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_all BEFORE INSERT ON directory_listing FOR EACH ROW EXECUTE FUNCTION refuse_all()"
        )
    with pytest.raises(CommandError, match="a échoué"):
        sync("--batch-size", "40")
    assert Publication.objects.filter(status="scheduled").count() == 40  # nobody refused for it


@pytest.mark.postgres
def test_a_record_refused_by_the_database_loses_its_old_listing_everywhere(customer):
    services = make_scheduled_services(customer, 6)
    sync()
    refused = services[2]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.number = '{refused.number}' THEN RAISE EXCEPTION 'refused' USING ERRCODE = '22001'; END IF; "
            "RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_one BEFORE UPDATE ON directory_listing FOR EACH ROW EXECUTE FUNCTION refuse_one()"
        )
    Publication.objects.update(status="scheduled", revision=F("revision") + 1)  # a change for everyone
    sync()
    publication = Publication.objects.get(service=refused)
    assert (publication.status, publication.in_directory) == ("error", False)
    assert not Listing.objects.filter(service=refused).exists()
    assert refused.pk not in replayed_export() and len(replayed_export()) == 5
    assert_converged()


def test_a_listing_sent_before_deliveries_were_recorded_is_withdrawn_from_the_export(customer, settings):
    service = make_service(customer)
    choose(service, customer)
    sync()
    Delivery.objects.all().delete()  # as after the upgrade that introduced the record
    cancel(service, customer)
    sync()
    run = SyncRun.objects.latest("pk")
    rows = (settings.DIRECTORY_EXPORT_DIR / run.export_files[0]).read_text().splitlines()
    assert rows[1:] == [f"withdraw,{service.pk}" + "," * 11]


def test_a_run_that_cannot_start_is_closed_as_failed(customer, monkeypatch):
    make_scheduled_services(customer, 2)
    monkeypatch.setattr("directory.sync.directory_reconcile", lambda **kwargs: 1 / 0)
    with pytest.raises(CommandError, match="ZeroDivisionError"):
        sync()
    assert SyncRun.objects.get().status == "failed"
    monkeypatch.undo()
    assert "Réussie" in sync()


# --- 3. Exports are never lost or destroyed -----------------------------------------------------


def test_an_export_that_cannot_be_written_fails_the_run_and_the_next_run_sends_it_again(
    customer, monkeypatch
):
    services = make_scheduled_services(customer, 5)
    monkeypatch.setattr(publishers_module.FilePublisher, "finish", lambda self, **kwargs: 1 / 0)
    with pytest.raises(CommandError, match="a échoué"):
        sync()
    monkeypatch.undo()
    lost = SyncRun.objects.get()
    assert (lost.status, lost.export_released_at, lost.export_files) == ("failed", None, [])
    assert Publication.objects.filter(status="synced").count() == 5  # our own directory has them

    out = sync()
    again = SyncRun.objects.latest("pk")
    assert (again.status, again.repaired, again.updated) == ("succeeded", 5, 5)
    assert "écarts réparés avant l'envoi" in out
    assert set(replayed_export()) == {service.pk for service in services}
    assert_converged()


def test_closing_a_run_again_keeps_its_export(customer, settings):
    make_scheduled_services(customer, 7)
    run = directory_sync_run(trigger=SyncRun.Trigger.COMMAND, batch_size=3)
    export = settings.DIRECTORY_EXPORT_DIR / run.export_files[0]
    content = export.read_bytes()
    # A crash after the file was written but before the run's status was: a later start takes
    # the run over as abandoned and closes it again.
    SyncRun.objects.filter(pk=run.pk).update(
        status="running", heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    _close_run(run.pk, now=timezone.now(), abandoned=True)
    assert export.read_bytes() == content and content.count(b"\n") == 8
    assert SyncRun.objects.get(pk=run.pk).export_files == run.export_files


# --- 4. Opt-outs are immediate in our own directory ---------------------------------------------


def test_opt_outs_take_effect_in_our_directory_in_the_same_save(customer, client):
    service = make_service(customer)
    choose(service, customer)
    sync()
    entry = Listing.objects.get(service=service)
    assert (entry.street, entry.name, entry.reverse_search, entry.marketing_accepted) == (
        "10 rue Oberkampf", "Durand Claire", True, True)  # fmt: skip
    reverse_search = reverse("directory_reverse") + f"?numero={service.number_digits}"
    assert "Durand" in client.get(reverse_search).content.decode()

    choose(service, customer, address_display="city", name_display="initial", reverse_search=False,
           marketing_accepted=False)  # fmt: skip
    entry = Listing.objects.get(service=service)
    assert (entry.street, entry.postcode, entry.name, entry.reverse_search, entry.marketing_accepted) == (
        "", "", "Durand C.", False, False)  # fmt: skip
    assert entry.name_search == "DURAND C"
    assert "Durand" not in client.get(reverse_search).content.decode()

    search = reverse("directory_search") + "?nom=durand&ville=Paris"
    assert "Durand C." in client.get(search).content.decode()
    cancel(service, customer)
    assert not Listing.objects.filter(service=service).exists()
    assert "Durand" not in client.get(search).content.decode()
    assert Publication.objects.get(service=service).status == "scheduled"  # the export carries it next run


def test_additions_still_wait_for_the_sync(customer):
    service = make_service(customer)
    contact_details_apply(service=service, details=COMPANY_DETAILS, publication={**LISTED, "reverse_search": False},
                          actor=customer)  # fmt: skip
    sync()
    contact_details_apply(service=service, details={**COMPANY_DETAILS, "company_name": "Nouveau Nom"},
                          publication=LISTED, actor=customer)  # fmt: skip
    entry = Listing.objects.get(service=service)
    assert (entry.name, entry.reverse_search) == ("Exemple SA", False)


# --- 5. A dead run is taken over in about a minute ----------------------------------------------


def test_a_run_silent_for_two_minutes_is_taken_over_by_the_next_start(customer, settings):
    assert settings.DIRECTORY_SYNC_STALE_AFTER <= 120
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= 600
    make_scheduled_services(customer, 3)
    silent = timezone.now() - timedelta(seconds=settings.DIRECTORY_SYNC_STALE_AFTER + 30)
    dead = SyncRun.objects.create(trigger="command", batch_size=10, started_at=silent, heartbeat_at=silent,
                                  publishers=["annuaire", "file"])  # fmt: skip
    out = sync()
    assert "Réussie" in out
    assert SyncRun.objects.get(pk=dead.pk).status == "abandoned"
    assert Publication.objects.filter(status="synced").count() == 3


def test_take_over_closes_a_live_looking_run_at_once_after_confirming(customer, monkeypatch):
    make_scheduled_services(customer, 3)
    now = timezone.now()
    stuck = SyncRun.objects.create(trigger="beat", batch_size=10, started_at=now, heartbeat_at=now,
                                   publishers=["annuaire", "file"])  # fmt: skip
    assert "déjà en cours" in sync()
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    with pytest.raises(CommandError, match="Rien n'a été repris"):
        sync("--take-over")
    assert SyncRun.objects.get(pk=stuck.pk).status == "running"
    monkeypatch.setattr("builtins.input", lambda prompt: "o")
    out = sync("--take-over")
    assert "close comme abandonnée" in out and "Réussie" in out
    assert SyncRun.objects.get(pk=stuck.pk).status == "abandoned"
    assert Publication.objects.filter(status="synced").count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_batch_beats_while_it_works(customer, communes, settings, monkeypatch):
    settings.DIRECTORY_SYNC_STALE_AFTER = 1  # a beat every 0.2 s
    make_scheduled_services(customer, 2)
    real_publish = publishers_module.FilePublisher.publish
    beats = []

    def slow_publish(self, cursor, **kwargs):
        time.sleep(0.7)
        beats.append(SyncBatch.objects.values_list("heartbeat_at", flat=True).get())
        return real_publish(self, cursor, **kwargs)

    monkeypatch.setattr(publishers_module.FilePublisher, "publish", slow_publish)
    started = timezone.now()
    run = directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
    assert run.status == "succeeded"
    assert beats[0] > started + timedelta(seconds=0.3)
