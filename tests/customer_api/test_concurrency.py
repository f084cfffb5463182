"""Two things at once, on PostgreSQL (SQLite has no row locks): two answers to one consent, and an
API PUT racing a panel edit. Each test holds the first one inside its lock for half a second, so
that the second arrives while it holds it; without the lock, both tests fail."""

import threading
import time

import pytest
from django.db import connection

from customer_api.directory_info import directory_update
from customer_api.models import ConsumerKey
from customer_api.services import (
    ConsumerKeyDecided,
    api_application_create,
    consumer_key_decide,
    consumer_key_request,
)
from directory.models import Publication
from lines import services as line_services
from lines.models import ContactDetails, Service
from lines.services import contact_details_apply
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(*actions):
    """Runs each action in its own thread and connection, the first one starting first."""
    results = [None] * len(actions)

    def run(index, action):
        try:
            time.sleep(0.1 * index)
            results[index] = action()
        except Exception as error:  # the test reads what each one raised
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, action)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_answers_to_one_consent_give_one_decision(customer, other_customer, monkeypatch):
    application = api_application_create(owner=customer, name="Script")
    pending = consumer_key_request(
        application=application.application, rules=[{"method": "GET", "path": "/*"}]
    )
    save = ConsumerKey.save

    def slow_save(self, *args, **kwargs):
        time.sleep(0.5)  # inside the lock: the other answer arrives meanwhile
        return save(self, *args, **kwargs)

    monkeypatch.setattr(ConsumerKey, "save", slow_save)
    results = at_once(
        lambda: consumer_key_decide(consumer_key=pending.consumer_key, owner=customer, authorise=True),
        lambda: consumer_key_decide(consumer_key=pending.consumer_key, owner=other_customer, authorise=False),
    )
    assert isinstance(results[0], ConsumerKey) and isinstance(results[1], ConsumerKeyDecided), results
    key = ConsumerKey.objects.get(pk=pending.consumer_key.pk)
    assert (key.state, key.owner) == (ConsumerKey.State.VALIDATED, customer)


def test_an_api_put_racing_a_withdrawal_in_the_panel_keeps_the_withdrawal(customer, communes, monkeypatch):
    line = factories.make_service(customer, number="+33199000701")
    details = dict(factories.INDIVIDUAL_DETAILS)
    contact_details_apply(service=line, details=details, publication={"listed": True}, actor=customer)
    stale = Service.objects.select_related("contact_details", "publication").get(pk=line.pk)  # the API's read
    publication_apply = line_services.publication_apply

    def slow_publication_apply(**kwargs):
        time.sleep(0.5)  # the withdrawal holds the service's lock: the PUT arrives meanwhile
        return publication_apply(**kwargs)

    monkeypatch.setattr("lines.services.publication_apply", slow_publication_apply)
    results = at_once(
        lambda: contact_details_apply(service=line, details=details, publication={"listed": False}, actor=customer),
        lambda: directory_update(service=stale, update={"email": "claire@example.org"}, actor=customer,
                                 application="Script"),
    )  # fmt: skip
    assert not any(isinstance(result, Exception) for result in results), results
    assert not Publication.objects.get(service=line).listed
    assert ContactDetails.objects.get(service=line).email == "claire@example.org"
