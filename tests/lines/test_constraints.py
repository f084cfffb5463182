"""The invariants hold in the database itself, whatever path a write takes."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from directory.models import Publication
from lines.models import BillingAccount, ContactDetails, Service
from tests.factories import COMPANY_DETAILS, make_contact_details, make_service

pytestmark = pytest.mark.django_db


def assert_refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_a_company_without_siret_cannot_be_saved(customer):
    service = make_service(customer)
    assert_refused(lambda: make_contact_details(service, COMPANY_DETAILS, siret=""))


def test_a_company_with_a_malformed_siret_or_ape_code_cannot_be_saved(customer):
    service = make_service(customer)
    assert_refused(lambda: make_contact_details(service, COMPANY_DETAILS, siret="7328293200007"))
    assert_refused(lambda: make_contact_details(service, COMPANY_DETAILS, ape_code="6201"))
    assert_refused(lambda: make_contact_details(service, COMPANY_DETAILS, company_name=""))


def test_a_company_with_its_identifiers_is_saved(customer):
    details = make_contact_details(make_service(customer), COMPANY_DETAILS)
    assert details.commune_id == "69123"
    assert details.arrondissement_id == "69383"
    assert details.departement == "69"


def test_an_individual_needs_a_name_and_no_siret(customer):
    service = make_service(customer)
    assert_refused(lambda: make_contact_details(service, first_name=""))
    assert_refused(lambda: make_contact_details(service, siret="73282932000074"))


def test_an_address_needs_a_street_a_five_digit_postcode_and_a_departement(customer):
    service = make_service(customer)
    assert_refused(lambda: make_contact_details(service, street_name=""))
    details = ContactDetails.objects.filter(pk=make_contact_details(service).pk)
    assert_refused(lambda: details.update(postcode="7501"))
    assert_refused(lambda: details.update(departement=""))


def test_two_services_cannot_share_a_number(customer, other_customer):
    make_service(customer, number="+33199000001")
    assert_refused(lambda: make_service(other_customer, number="+33199000001"))


def test_the_same_number_typed_nationally_is_the_same_number(customer, other_customer):
    make_service(customer, number="+33199000001")
    assert_refused(lambda: make_service(other_customer, number="01 99 00 00 01"))


def test_a_billing_reference_must_look_like_one(customer):
    assert_refused(lambda: BillingAccount.objects.create(owner=customer, reference="ab12345"))
    assert_refused(lambda: BillingAccount.objects.create(owner=customer, reference="AB12345-1"))


def test_a_terminated_service_carries_its_termination_date(customer):
    service = make_service(customer)
    service.state = Service.State.TERMINATED
    assert_refused(service.save)


@pytest.mark.parametrize(
    ("fields", "allowed"),
    [
        ({"status": "none", "listed": True}, False),
        ({"status": "synced", "listed": True, "in_directory": False}, False),
        ({"status": "synced", "listed": True, "in_directory": True}, True),
        ({"status": "scheduled", "listed": False, "in_directory": False}, False),
        ({"status": "scheduled", "listed": False, "in_directory": True}, True),
        ({"status": "error", "listed": True, "error_reason": ""}, False),
        ({"status": "unknown"}, False),
    ],
)
def test_publication_status_invariants(customer, fields, allowed):
    service = make_service(customer)
    values = {"scheduled_at": timezone.now(), **fields}
    if allowed:
        Publication.objects.create(service=service, **values)
    else:
        assert_refused(lambda: Publication.objects.create(service=service, **values))
