from datetime import UTC, datetime

import pytest

from directory.models import Publication
from lines.communes import LocationError
from lines.models import ContactDetails, Service, ServiceChange
from lines.services import ServiceNotEditable, contact_details_apply, contact_details_copy
from tests.factories import COMPANY_DETAILS, INDIVIDUAL_DETAILS, make_contact_details, make_service

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def test_first_details_are_saved_with_their_commune_and_history(customer):
    service = make_service(customer)
    result = contact_details_apply(
        service=service, details=INDIVIDUAL_DETAILS, publication={"listed": False}, actor=customer, now=NOW
    )
    details = ContactDetails.objects.get(service=service)
    assert result.changed
    assert (details.commune_id, details.arrondissement_id, details.departement) == ("75056", "75111", "75")
    assert (details.updated_at, details.updated_by) == (NOW, customer)
    change = ServiceChange.objects.get(service=service)
    assert (change.actor, change.source, change.changes["last_name"]) == (customer, "panel", [None, "Durand"])


def test_switching_legal_form_discards_the_fields_that_no_longer_apply(customer):
    service = make_service(customer)
    make_contact_details(service)
    contact_details_apply(
        service=service,
        details={**COMPANY_DETAILS, "last_name": "Durand", "first_name": "Claire"},
        publication={"listed": False},
        actor=customer,
    )
    details = ContactDetails.objects.get(service=service)
    assert (details.legal_form, details.last_name, details.first_name) == ("company", "", "")
    assert details.siret == "73282932000074"


def test_an_address_that_does_not_resolve_saves_nothing(customer):
    service = make_service(customer)
    with pytest.raises(LocationError):
        contact_details_apply(
            service=service,
            details={**INDIVIDUAL_DETAILS, "city": "Lyon"},
            publication={"listed": True},
            actor=customer,
        )
    assert not ContactDetails.objects.filter(service=service).exists()
    assert not Publication.objects.filter(service=service).exists()
    assert not ServiceChange.objects.exists()


def test_a_terminated_service_cannot_be_edited(customer):
    service = make_service(customer)
    Service.objects.filter(pk=service.pk).update(state="terminated", terminated_at=NOW)
    with pytest.raises(ServiceNotEditable):
        contact_details_apply(service=service, details=INDIVIDUAL_DETAILS, publication={}, actor=customer)


def test_copying_details_gives_a_result_per_service_and_keeps_each_line_description(customer):
    source = make_service(customer, label="Standard")
    contact_details_apply(
        service=source,
        details=COMPANY_DETAILS,
        publication={"listed": True, "line_designation": "Standard"},
        actor=customer,
    )
    fresh = make_service(customer)
    described = make_service(customer)
    Publication.objects.create(service=described, line_designation="Fax")
    terminated = make_service(customer)
    Service.objects.filter(pk=terminated.pk).update(state="terminated", terminated_at=NOW)
    terminated.refresh_from_db()

    results = contact_details_copy(
        source_service=source, targets=[fresh, described, terminated], actor=customer
    )

    assert [(r.service, r.changed, r.error != "") for r in results] == [
        (fresh, True, False),
        (described, True, False),
        (terminated, False, True),
    ]
    assert ContactDetails.objects.get(service=fresh).siret == "73282932000074"
    assert Publication.objects.get(service=fresh).line_designation == ""
    assert Publication.objects.get(service=described).line_designation == "Fax"
    assert Publication.objects.get(service=described).status == "scheduled"
    assert ServiceChange.objects.filter(service=fresh, source="bulk", actor=customer).exists()


def test_fields_that_stay_blank_are_not_in_the_history(customer):
    service = make_service(customer)
    contact_details_apply(
        service=service, details=COMPANY_DETAILS, publication={"listed": False}, actor=customer
    )
    changes = ServiceChange.objects.get(service=service).changes
    assert "last_name" not in changes and "email" not in changes
    assert changes["company_name"] == [None, "Exemple SA"]


def test_a_record_saved_under_an_older_rule_can_still_be_withdrawn(customer, support_staff):
    """`=Lyon` is refused today; a record that holds it from before must not block a withdrawal."""
    from lines.services import publication_withdraw

    service = make_service(customer)
    make_contact_details(service)
    Publication.objects.create(service=service, listed=True, status="synced", in_directory=True)
    ContactDetails.objects.filter(service=service).update(city="=Paris")
    result = publication_withdraw(service=service, actor=support_staff, now=NOW)
    publication = Publication.objects.get(service=service)
    assert (publication.listed, publication.status) == (False, "scheduled")
    assert result.changed
    details = ContactDetails.objects.get(service=service)
    assert (details.city, details.commune_id) == ("=Paris", "75056")
    # A change of the address itself is checked by today's rule.
    with pytest.raises(LocationError):
        contact_details_apply(service=service, details={**INDIVIDUAL_DETAILS, "city": "=Lyon", "postcode": "69003"},
                              publication={}, actor=customer)  # fmt: skip
