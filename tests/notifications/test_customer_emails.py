"""Customers are told (issue 11, item 5): one report per customer and sync run saying what happened
to each listing, with the reason and a link to fix a refusal; a monthly reminder for services
without contact details, which a customer can turn off; never twice; retried when the mail server
fails; in the customer's language."""

import html
import smtplib
from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from directory.models import Publication, SyncOutcome, SyncRun
from directory.sync import directory_sync_run
from lines.services import contact_details_apply
from notifications import services as notification_services
from notifications.models import CustomerEmail
from notifications.services import (
    MAX_ATTEMPTS,
    customer_email_send,
    customer_emails_due,
    details_reminders_plan,
    run_reports_plan,
)
from notifications.tasks import customer_emails_sweep, details_reminders_task
from tests.factories import INDIVIDUAL_DETAILS, make_customer, make_service

pytestmark = pytest.mark.django_db
LISTED = {"listed": True, "marketing_accepted": False, "reverse_search": False, "name_display": "full",
          "address_display": "full", "line_designation": ""}  # fmt: skip


def publish(service, actor, **choices):
    contact_details_apply(service=service, details=INDIVIDUAL_DETAILS, publication={**LISTED, **choices},
                          actor=actor)  # fmt: skip


def sync(django_capture_on_commit_callbacks) -> SyncRun:
    """A full run as beat or the command does it; the reports it queues run in-process (eager)."""
    with django_capture_on_commit_callbacks(execute=True):
        return directory_sync_run(trigger=SyncRun.Trigger.COMMAND)


@pytest.fixture
def alice(db):
    user = make_customer("alice", reference="al10001-1")
    user.email = "alice@exemple.fr"
    user.save()
    return user


@pytest.fixture
def bob(db):
    user = make_customer("bob", reference="bo20002-1")
    user.email = "bob@exemple.fr"
    user.language = "en"
    user.save()
    return user


def test_each_customer_gets_one_report_per_run_saying_what_happened(
    alice, bob, django_capture_on_commit_callbacks
):
    added, refused, leaving = (make_service(alice, label=label) for label in ("Accueil", "Atelier", "Fax"))
    publish(added, alice)
    publish(leaving, alice)
    publish(refused, alice, line_designation="www.promo.fr")
    bobs = [make_service(bob) for _ in range(3)]
    for service in bobs:
        publish(service, bob)
    sync(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2  # one per customer, not one per service
    to_alice = next(message for message in mail.outbox if message.to == ["alice@exemple.fr"])
    assert to_alice.subject == "Annuaires : une de vos fiches n'a pas pu être publiée"
    body = to_alice.body
    assert f"{added.national_number} (Accueil) : publiée dans les annuaires" in body
    assert f"{refused.national_number} (Atelier) : refusée par les annuaires" in body
    assert "Motif : La désignation de la ligne ne peut contenir ni adresse web" in body
    fix = f"http://testserver.invalid{reverse('service_contact_edit', args=[refused.number_digits])}"
    assert f"Corriger : {fix}" in body
    assert body.index("Atelier") < body.index("Accueil")  # refusals first
    assert bobs[0].national_number not in body  # nothing of another customer
    to_bob = next(message for message in mail.outbox if message.to == ["bob@exemple.fr"])
    assert to_bob.subject == "Directories: your listings were updated"
    assert "published in the directories" in to_bob.body
    assert all(service.national_number in to_bob.body for service in bobs)

    # The next run withdraws one of Alice's listings: one more e-mail, to her only.
    contact_details_apply(service=leaving, details=INDIVIDUAL_DETAILS, publication={**LISTED, "listed": False},
                          actor=alice)  # fmt: skip
    mail.outbox.clear()
    run = sync(django_capture_on_commit_callbacks)
    assert [message.to for message in mail.outbox] == [["alice@exemple.fr"]]
    assert f"{leaving.national_number} (Fax) : retirée des annuaires" in mail.outbox[0].body
    record = CustomerEmail.objects.get(run=run)
    assert (record.state, record.user, record.services, record.language) == ("sent", alice, 1, "fr")


def test_a_report_goes_once_whatever_the_deliveries(alice, django_capture_on_commit_callbacks):
    publish(make_service(alice), alice)
    run = sync(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    # Planned again (the sweep), its task delivered again: nothing more leaves.
    assert run_reports_plan(run.pk) == []
    email = CustomerEmail.objects.get(run=run)
    assert customer_email_send(email.pk).state == "sent"
    customer_emails_sweep()
    assert len(mail.outbox) == 1
    assert CustomerEmail.objects.filter(run=run).count() == 1


def test_a_failing_mail_server_is_tried_again_then_given_up(
    alice, bob, monkeypatch, django_capture_on_commit_callbacks
):
    """Each attempt is counted and waits longer; the last one gives up. One customer's e-mail
    failing stops neither the sync nor the other customers' e-mails."""
    refused_to = []
    send_messages = mail.backends.locmem.EmailBackend.send_messages

    def refuse_alice(self, messages):
        if messages[0].to == ["alice@exemple.fr"]:
            refused_to.append(messages[0].to)
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return send_messages(self, messages)

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse_alice)
    publish(make_service(alice), alice)
    publish(make_service(bob), bob)
    run = sync(django_capture_on_commit_callbacks)
    assert run.status == SyncRun.Status.SUCCEEDED  # the sync never suffers from the mail server
    assert [message.to for message in mail.outbox] == [["bob@exemple.fr"]]
    email = CustomerEmail.objects.get(run=run, user=alice)
    assert (email.state, email.attempts, email.last_error) == ("pending", 1, "SMTPServerDisconnected")
    assert customer_email_send(email.pk).state == "pending"  # not due yet: nothing tried
    assert len(refused_to) == 1
    for _attempt in range(2, MAX_ATTEMPTS + 1):
        email.refresh_from_db()
        customer_email_send(email.pk, now=email.next_attempt_at)
    email.refresh_from_db()
    assert (email.state, email.attempts, len(refused_to)) == ("failed", MAX_ATTEMPTS, MAX_ATTEMPTS)
    waits = [notification_services.retry_delay(n) for n in range(1, MAX_ATTEMPTS)]
    assert 15 * 3600 < sum(waits) < 17 * 3600  # about 16 hours in all, as the README says
    assert customer_email_send(email.pk, now=timezone.now() + timedelta(days=2)).state == "failed"
    assert len(refused_to) == MAX_ATTEMPTS  # given up: never tried again


def test_a_mail_server_back_after_a_failure_gets_the_mail_once(alice, monkeypatch):
    publish(make_service(alice), alice)
    run = directory_sync_run(trigger=SyncRun.Trigger.COMMAND)  # reports not queued: on_commit not run
    (email_id,) = run_reports_plan(run.pk)
    with monkeypatch.context() as patch:
        patch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages",
                      lambda *a, **k: (_ for _ in ()).throw(ConnectionRefusedError(111, "refused")))  # fmt: skip
        result = customer_email_send(email_id)
    assert result.state == "pending" and result.retry_in == 60
    assert customer_email_send(email_id).state == "pending"  # a second delivery before it is due
    assert customer_email_send(email_id, now=timezone.now() + timedelta(seconds=61)).state == "sent"
    assert customer_email_send(email_id, now=timezone.now() + timedelta(seconds=61)).state == "sent"
    assert len(mail.outbox) == 1
    assert CustomerEmail.objects.get(pk=email_id).attempts == 2


def test_the_sweep_sends_what_a_lost_message_left(alice, django_capture_on_commit_callbacks):
    """A run closed while the broker was down: its reports are planned and sent by the sweep."""
    publish(make_service(alice), alice)
    run = directory_sync_run(trigger=SyncRun.Trigger.COMMAND)  # its on_commit never ran
    assert not CustomerEmail.objects.exists()
    customer_emails_sweep()
    assert [message.to for message in mail.outbox] == [["alice@exemple.fr"]]
    assert CustomerEmail.objects.get(run=run).state == "sent"


def test_the_sweep_queues_what_is_due_and_has_no_live_task(alice, monkeypatch):
    """A task lost (queued long ago, never run), or a wait too long for a task to make by itself
    (a Celery countdown past Redis' visibility timeout): the sweep queues the e-mail once due."""
    publish(make_service(alice), alice)
    run = directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
    (email_id,) = run_reports_plan(run.pk)
    assert customer_emails_due() == [email_id]  # never queued
    CustomerEmail.objects.filter(pk=email_id).update(queued_at=timezone.now() - timedelta(minutes=5))
    assert customer_emails_due() == []  # its task may still run
    CustomerEmail.objects.filter(pk=email_id).update(queued_at=timezone.now() - timedelta(minutes=20))
    assert customer_emails_due() == [email_id]  # lost
    # Four failures: the fifth attempt waits 8 minutes, longer than a task waits by itself.
    with monkeypatch.context() as patch:
        patch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages",
                      lambda *a, **k: (_ for _ in ()).throw(ConnectionRefusedError(111, "refused")))  # fmt: skip
        now = timezone.now()
        for _attempt in range(4):
            result = customer_email_send(email_id, now=now)
            now = CustomerEmail.objects.get(pk=email_id).next_attempt_at
    assert result.retry_in is None and CustomerEmail.objects.get(pk=email_id).queued_at is None
    assert customer_emails_due() == []  # not due yet
    assert customer_emails_due(now=now) == [email_id]
    assert customer_email_send(email_id, now=now).state == "sent"


def test_an_address_the_mail_server_cannot_take_is_given_up_at_once_without_logging_it(
    alice, settings, caplog
):
    """A real SMTP server (aiosmtpd) behind Django's SMTP back-end, as in production: an address
    stored malformed (written in SQL, say) fails once, is given up, and is never logged."""
    from aiosmtpd.controller import Controller
    from django.contrib.auth import get_user_model

    class Keep:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    from tests.stack import free_port

    controller = Controller(Keep(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        get_user_model().objects.filter(pk=alice.pk).update(email="a@b@c.fr")
        publish(make_service(alice), alice)
        run = directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
        (email_id,) = run_reports_plan(run.pk)
        result = customer_email_send(email_id)
    finally:
        controller.stop()
    email = CustomerEmail.objects.get(pk=email_id)
    assert (result.state, email.state, email.attempts, email.last_error) == (
        "failed",
        "failed",
        1,
        "ValueError",
    )
    assert "a@b@c.fr" not in caplog.text
    assert customer_emails_due(now=timezone.now() + timedelta(days=1)) == []


def test_an_account_moved_since_the_run_shows_nothing_of_it_to_its_new_owner(alice, bob):
    """The run's outcomes on an account that came to Bob after the run are Alice's business (the
    history's rule): Bob's report has none of them; Alice's has nothing left to say."""
    from lines.models import BillingAccount

    secret = make_service(alice, label="AliceFax")
    publish(secret, alice, line_designation="www.promo.fr")
    publish(make_service(bob, label="Bob"), bob)
    run = directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
    email_ids = run_reports_plan(run.pk)
    BillingAccount.objects.filter(owner=alice).update(owner=bob)  # support moves it before sending
    for email_id in email_ids:
        customer_email_send(email_id)
    assert [message.to for message in mail.outbox] == [["bob@exemple.fr"]]
    assert "AliceFax" not in mail.outbox[0].body and secret.national_number not in mail.outbox[0].body
    assert CustomerEmail.objects.get(run=run, user=alice).state == "skipped"


def test_a_change_made_after_the_reconciliation_is_reported_not_hidden_as_a_repair(alice, monkeypatch,
                                                                                   django_capture_on_commit_callbacks):  # fmt: skip
    """The reconciliation marks a lost listing as a repair; the customer then withdraws it before
    its batch runs: the batch sends the withdrawal, and the customer is told."""
    from directory import sync as sync_module
    from directory.models import Listing

    service = make_service(alice, label="Fax")
    publish(service, alice)
    sync(django_capture_on_commit_callbacks)
    mail.outbox.clear()
    Listing.objects.filter(service=service).delete()  # our directory lost it: a repair
    real_plan = sync_module._plan_batches

    def customer_withdraws_then_plan(run):
        contact_details_apply(service=service, details=INDIVIDUAL_DETAILS,
                              publication={**LISTED, "listed": False}, actor=alice)  # fmt: skip
        return real_plan(run)

    monkeypatch.setattr(sync_module, "_plan_batches", customer_withdraws_then_plan)
    run = sync(django_capture_on_commit_callbacks)
    assert run.repaired == 1
    assert SyncOutcome.objects.get(run=run).kind == "withdrawn"
    assert [message.to for message in mail.outbox] == [["alice@exemple.fr"]]
    assert "(Fax) : retirée des annuaires" in mail.outbox[0].body


def test_a_record_the_database_refuses_is_reported_as_refused(alice, monkeypatch,
                                                              django_capture_on_commit_callbacks):  # fmt: skip
    """Set aside by the batch's split (directory.sync._refuse): Synchronisation impossible, and its
    customer told so, with the technical reason."""
    from django.db import DataError

    from directory import sync as sync_module

    faulty, fine = make_service(alice, label="Faulty"), make_service(alice, label="Fine")
    publish(faulty, alice)
    publish(fine, alice)
    real_send = sync_module._send

    def refuse_one(batch, *, after_id, last_id, **kwargs):
        if after_id < faulty.pk <= last_id:
            raise DataError("value too long")
        return real_send(batch, after_id=after_id, last_id=last_id, **kwargs)

    monkeypatch.setattr(sync_module, "_send", refuse_one)
    run = sync(django_capture_on_commit_callbacks)
    assert dict(SyncOutcome.objects.filter(run=run).values_list("service__label", "kind")) == {
        "Faulty": "rejected", "Fine": "added"}  # fmt: skip
    body = mail.outbox[0].body
    assert "(Faulty) : refusée par les annuaires" in body and "erreur technique DataError" in body


def test_outcomes_are_recorded_only_for_full_runs(alice):
    service = make_service(alice)
    publish(service, alice)
    restricted = directory_sync_run(trigger=SyncRun.Trigger.COMMAND, publisher_names=["annuaire"])
    assert not SyncOutcome.objects.filter(run=restricted).exists()
    full = directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
    # The restricted run sent it somewhere already: for the full run it is an update.
    assert list(SyncOutcome.objects.filter(run=full).values_list("service_id", "kind")) == [
        (service.pk, "updated")
    ]


def test_a_customer_without_address_or_no_longer_owner_gets_nothing(
    alice, bob, django_capture_on_commit_callbacks
):
    alice.email = ""
    alice.save()
    publish(make_service(alice), alice)
    run = sync(django_capture_on_commit_callbacks)
    assert not mail.outbox
    email = CustomerEmail.objects.get(run=run)
    assert (email.state, email.last_error) == ("skipped", "pas d'adresse e-mail")


def test_the_monthly_reminder_lists_what_is_missing_and_can_be_turned_off(alice, bob, client):
    missing = make_service(alice, label="Standard")
    complete = make_service(alice)
    publish(complete, alice)
    make_service(bob)
    details_reminders_task()
    assert sorted(message.to[0] for message in mail.outbox) == ["alice@exemple.fr", "bob@exemple.fr"]
    to_alice = next(message for message in mail.outbox if message.to == ["alice@exemple.fr"])
    assert to_alice.subject == "Coordonnées à compléter sur vos lignes téléphoniques"
    assert f"{missing.national_number} (Standard)" in to_alice.body
    assert complete.national_number not in to_alice.body
    assert "http://testserver.invalid/telephonie/?etat=a-completer" in to_alice.body
    assert f"http://testserver.invalid{reverse('account_security')}" in to_alice.body
    to_bob = next(message for message in mail.outbox if message.to == ["bob@exemple.fr"])
    assert to_bob.subject == "Contact details to complete on your phone lines"

    # Once a month: the beat task delivered twice sends nothing more.
    details_reminders_task()
    assert len(mail.outbox) == 2

    # Alice turns it off in Mon compte: next month she gets nothing, Bob does.
    client.force_login(alice)
    response = client.post(reverse("email_preferences"), {"language": "fr"})  # the box unticked
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.details_reminders is False
    mail.outbox.clear()
    next_month = (timezone.localdate().replace(day=1) + timedelta(days=32)).replace(day=1)
    for email_id in details_reminders_plan(today=next_month):
        customer_email_send(email_id)
    assert [message.to for message in mail.outbox] == [["bob@exemple.fr"]]


def test_a_reminder_is_not_sent_for_details_completed_or_reminders_turned_off_meanwhile(alice):
    service = make_service(alice)
    (email_id,) = details_reminders_plan()
    publish(service, alice)  # completed before the task ran
    assert customer_email_send(email_id).state == "skipped"
    other = make_service(alice)
    (email_id,) = details_reminders_plan(today=date(2030, 1, 15))
    alice.details_reminders = False  # turned off before the task ran
    alice.save(update_fields=["details_reminders"])
    assert customer_email_send(email_id).state == "skipped"
    publish(other, alice)
    assert not mail.outbox


def test_the_preferences_form_refuses_an_unknown_language(alice, client):
    client.force_login(alice)
    response = client.post(
        reverse("email_preferences"), {"language": "xx", "details_reminders": "on"}, follow=True
    )
    assert "Choix invalide : rien n'a été enregistré." in html.unescape(response.content.decode())
    alice.refresh_from_db()
    assert alice.language == "fr"
    page = client.get(reverse("account_security")).content.decode()
    assert 'name="details_reminders"' in page and 'action="/compte/securite/e-mails/"' in page


def test_retry_delays_double_up_to_four_hours():
    assert [notification_services.retry_delay(n) for n in (1, 2, 3, 9, 20)] == [
        60,
        120,
        240,
        4 * 3600,
        4 * 3600,
    ]


def test_a_scheduled_record_counts_as_outcome_kind(alice):
    """Outcome kinds follow the staged action: a listing held already is an update."""
    service = make_service(alice)
    publish(service, alice)
    directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
    publish(service, alice, line_designation="Bureau")
    assert Publication.objects.get(service=service).status == "scheduled"
    run = directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
    assert SyncOutcome.objects.get(run=run).kind == "updated"


def test_a_listing_sent_again_by_a_repair_is_not_reported(alice, django_capture_on_commit_callbacks):
    """The reconciliation sends again what a publisher lost: the customer changed nothing and is
    told nothing (unless the directories now refuse it)."""
    from directory.models import Listing

    service = make_service(alice)
    publish(service, alice)
    sync(django_capture_on_commit_callbacks)
    mail.outbox.clear()
    Listing.objects.filter(service=service).delete()  # our directory lost it
    run = sync(django_capture_on_commit_callbacks)
    assert run.repaired == 1 and Listing.objects.filter(service=service).exists()
    assert SyncOutcome.objects.get(run=run).kind == "repaired"
    assert not mail.outbox and not CustomerEmail.objects.filter(run=run).exists()


def test_planning_hands_large_runs_to_fresh_tasks(
    alice, bob, monkeypatch, django_capture_on_commit_callbacks
):
    """Each planning task queues at most QUEUE_CHUNK e-mails, then a fresh task takes the rest."""
    monkeypatch.setattr(notification_services, "QUEUE_CHUNK", 1)
    publish(make_service(alice), alice)
    publish(make_service(bob), bob)
    sync(django_capture_on_commit_callbacks)
    assert sorted(message.to[0] for message in mail.outbox) == ["alice@exemple.fr", "bob@exemple.fr"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_send_one_email(alice, communes, monkeypatch):
    """The same task delivered twice at the same moment (a redelivery racing a slow worker): the
    second waits for the first's row lock, then finds the e-mail sent."""
    import threading
    import time

    publish(make_service(alice), alice)
    run = directory_sync_run(trigger=SyncRun.Trigger.COMMAND)  # committed: its report went at once
    email_id = CustomerEmail.objects.get(run=run).pk
    CustomerEmail.objects.filter(pk=email_id).update(state="pending", sent_at=None, attempts=0)
    mail.outbox.clear()
    send_messages = mail.backends.locmem.EmailBackend.send_messages

    def slow(self, messages):
        time.sleep(0.5)  # the mail server takes its time: the other delivery arrives meanwhile
        return send_messages(self, messages)

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", slow)
    barrier, states = threading.Barrier(2), []

    def deliver():
        from django.db import connection

        barrier.wait()
        try:
            states.append(customer_email_send(email_id).state)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert states == ["sent", "sent"]
    assert len(mail.outbox) == 1
    assert CustomerEmail.objects.get(pk=email_id).attempts == 1


def test_outcomes_are_forgotten_after_400_days(alice, django_assert_max_num_queries):
    from directory.sync import OUTCOMES_KEPT, _forget_old_outcomes

    publish(make_service(alice), alice)
    old = directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
    publish(make_service(alice), alice)
    recent = directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
    SyncRun.objects.filter(pk=old.pk).update(finished_at=timezone.now() - OUTCOMES_KEPT - timedelta(days=1))
    with django_assert_max_num_queries(1):
        _forget_old_outcomes(timezone.now())
    assert list(SyncOutcome.objects.values_list("run_id", flat=True)) == [recent.pk]
    directory_sync_run(trigger=SyncRun.Trigger.COMMAND)  # every start forgets what is too old
    assert SyncOutcome.objects.filter(run=old).count() == 0


def test_a_report_lists_the_first_hundred_services_and_counts_the_rest(alice, django_assert_max_num_queries):
    from tests.factories import make_scheduled_services

    make_scheduled_services(alice, 105)
    run = directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
    (email_id,) = run_reports_plan(run.pk)
    with django_assert_max_num_queries(9):  # 4 reads, 1 write, 4 savepoints: whatever the number of services
        customer_email_send(email_id)
    body = mail.outbox[0].body
    assert body.count(" : publiée dans les annuaires") == 100
    assert "… et 5 autres services." in body
    assert CustomerEmail.objects.get(pk=email_id).services == 105
