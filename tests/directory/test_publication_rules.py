"""The status rules, through the service the panel calls (lines.services.contact_details_apply)."""

from datetime import UTC, datetime

import pytest

from directory.models import Publication
from directory.services import Outcome
from lines.models import ServiceChange
from lines.services import contact_details_apply
from tests.factories import INDIVIDUAL_DETAILS, make_service

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
LISTED = {"listed": True, "marketing_accepted": False, "reverse_search": False, "name_display": "full",
          "address_display": "full", "line_designation": ""}  # fmt: skip


def apply(service, actor, details=None, publication=None):
    return contact_details_apply(
        service=service,
        details={**INDIVIDUAL_DETAILS, **(details or {})},
        publication=publication if publication is not None else LISTED,
        actor=actor,
        now=NOW,
    )


def status(service):
    return Publication.objects.get(service=service)


def mark_synced(service):
    Publication.objects.filter(service=service).update(status="synced", in_directory=True, synced_at=NOW)


def test_publishing_schedules_a_synchronisation(customer):
    service = make_service(customer)
    result = apply(service, customer)
    assert result.outcome == Outcome.PUBLICATION_SCHEDULED
    publication = status(service)
    assert (publication.status, publication.scheduled_at, publication.revision) == ("scheduled", NOW, 1)


def test_saving_unchanged_details_keeps_synced(customer):
    service = make_service(customer)
    apply(service, customer)
    mark_synced(service)
    result = apply(service, customer)
    assert (result.outcome, result.changed) == (Outcome.UNCHANGED, False)
    assert status(service).status == "synced"


def test_changing_something_not_published_keeps_synced(customer):
    service = make_service(customer)
    apply(service, customer)
    mark_synced(service)
    result = apply(service, customer, details={"email": "claire@example.org"})
    assert (result.outcome, result.changed) == (Outcome.UNCHANGED, True)
    assert status(service).status == "synced"


def test_changing_published_content_schedules_an_update(customer):
    service = make_service(customer)
    apply(service, customer)
    mark_synced(service)
    result = apply(service, customer, details={"street_name": "Saint-Maur"})
    assert result.outcome == Outcome.UPDATE_SCHEDULED
    assert (status(service).status, status(service).revision) == ("scheduled", 2)


def test_a_display_option_is_published_content(customer):
    service = make_service(customer)
    apply(service, customer)
    mark_synced(service)
    assert apply(service, customer, publication={**LISTED, "name_display": "initial"}).outcome == (
        Outcome.UPDATE_SCHEDULED
    )


def test_switching_a_published_service_to_non_schedules_a_withdrawal(customer):
    service = make_service(customer)
    apply(service, customer)
    mark_synced(service)
    result = apply(service, customer, publication={"listed": False})
    assert result.outcome == Outcome.WITHDRAWAL_SCHEDULED
    publication = status(service)
    assert (publication.status, publication.listed, publication.in_directory) == ("scheduled", False, True)
    # The options are kept for the day the customer publishes again.
    assert publication.marketing_accepted is False and publication.name_display == "full"


def test_non_on_an_unpublished_service_stays_blank(customer):
    service = make_service(customer)
    result = apply(service, customer, publication={"listed": False})
    assert result.outcome == Outcome.UNCHANGED
    assert status(service).status == "none"


def test_non_before_the_first_sync_cancels_the_request(customer):
    service = make_service(customer)
    apply(service, customer)
    result = apply(service, customer, publication={"listed": False})
    assert result.outcome == Outcome.CANCELLED
    assert status(service).status == "none"


def test_a_rejected_listing_is_scheduled_again_when_the_customer_corrects_it(customer):
    service = make_service(customer)
    apply(service, customer)
    Publication.objects.filter(service=service).update(status="error", error_reason="Voie inconnue")
    apply(service, customer, details={"street_name": "Oberkampf prolongée"})
    publication = status(service)
    assert (publication.status, publication.error_reason) == ("scheduled", "")


def test_every_consent_change_is_in_the_history(customer):
    service = make_service(customer)
    apply(service, customer)
    apply(service, customer, publication={**LISTED, "marketing_accepted": True, "reverse_search": True})
    apply(service, customer, publication={"listed": False})
    changes = list(
        ServiceChange.objects.filter(service=service).order_by("pk").values_list("changes", flat=True)
    )
    assert changes[0]["publication.listed"] == [False, True]
    assert changes[1]["publication.marketing_accepted"] == [False, True]
    assert changes[1]["publication.reverse_search"] == [False, True]
    assert changes[2] == {"publication.listed": [True, False]}
