"""Names typed in lower or upper case are stored, previewed and published in the usual
capitalisation (issue 13, item 3), whatever the path: panel, API, bulk apply, existing records."""

import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from customer_api.directory_info import directory_info, directory_update
from directory.listing import listing_for
from directory.models import Publication
from directory.staging import TABLE, stage_batch
from lines.models import ContactDetails, Service, ServiceChange
from lines.services import contact_details_apply, contact_details_copy, contact_details_recapitalise
from tests.factories import (
    COMPANY_DETAILS,
    INDIVIDUAL_DETAILS,
    make_contact_details,
    make_customer,
    make_service,
)

pytestmark = pytest.mark.django_db

POST = {"legal_form": "individual", "last_name": "dupont m.", "first_name": "ÉLODIE", "street_number": "10",
        "street_type": "rue", "street_name": "Oberkampf", "postcode": "75011", "city": "Paris", "country": "FR",
        "listed": "True", "marketing_accepted": "False", "reverse_search": "False", "name_display": "full",
        "address_display": "full", "line_designation": ""}  # fmt: skip


def staged_name(service):
    with transaction.atomic(), connection.cursor() as cursor:
        stage_batch(cursor, after_id=0, last_id=10**12)
        cursor.execute(f"SELECT name FROM {TABLE} WHERE service_id = %s", [service.pk])
        name = cursor.fetchone()[0]
        transaction.set_rollback(True)
    return name


def test_the_panel_stores_previews_and_publishes_the_usual_capitalisation(client, customer, communes):
    client.force_login(customer)
    service = make_service(customer)
    client.post(reverse("service_contact_edit", args=[service.number_digits]), POST)
    details = ContactDetails.objects.select_related("service").get(service=service)
    assert (details.last_name, details.first_name) == ("Dupont M.", "Élodie")
    page = client.get(reverse("service_contact", args=[service.number_digits])).content.decode()
    preview = page.split('data-testid="listing-preview"')[1].split("</div>")[0]
    assert "Dupont M. Élodie" in preview
    listing = listing_for(details, Publication.objects.get(service=service))
    assert listing.name == staged_name(service) == "Dupont M. Élodie"  # preview = what the sync sends
    # The form shows the stored value; the history records it.
    form = client.get(reverse("service_contact_edit", args=[service.number_digits])).content.decode()
    assert 'value="Dupont M."' in form
    assert service.changes.get().changes["last_name"] == [None, "Dupont M."]


def test_a_name_typed_in_mixed_case_is_kept_exactly(client, customer, communes):
    client.force_login(customer)
    service = make_service(customer)
    client.post(reverse("service_contact_edit", args=[service.number_digits]),
                {**POST, "last_name": "DUPONT-Moretti", "first_name": "McKenzie"})  # fmt: skip
    details = ContactDetails.objects.get(service=service)
    assert (details.last_name, details.first_name) == ("DUPONT-Moretti", "McKenzie")


def test_the_api_put_gets_the_same(customer, communes):
    service = make_service(customer)
    make_contact_details(service)
    directory_update(service=service, update={"name": "DE LA TOUR", "firstName": "jean-pierre"}, actor=customer,
                     application="Script")  # fmt: skip
    info = directory_info(Service.objects.get(pk=service.pk))
    assert (info["name"], info["firstName"]) == ("De la Tour", "Jean-Pierre")
    assert ServiceChange.objects.get(service=service).source == ServiceChange.Source.API


def test_a_company_name_in_capitals_is_left_alone_one_in_lower_case_is_not(customer, communes):
    service = make_service(customer)
    company = {"legal_form": "company", "siret": "73282932000074", "ape_code": "6201Z", "company_name": "SNCF",
               "designation_complement": "agence de lyon", "street_name": "Oberkampf", "postcode": "75011",
               "city": "Paris"}  # fmt: skip
    contact_details_apply(service=service, details=company, publication={"listed": False}, actor=customer)
    details = ContactDetails.objects.get(service=service)
    assert (details.company_name, details.designation_complement) == ("SNCF", "Agence de Lyon")


def test_existing_records_are_recapitalised_with_a_history_row_and_scheduled(customer, communes):
    """A record stored before the rule (written here as it was, around the services), then the
    function the data command calls, and a copy of such a record to another service."""
    service, target = make_service(customer), make_service(customer)
    make_contact_details(service, {**INDIVIDUAL_DETAILS, "last_name": "DURAND", "first_name": "claire"})
    Publication.objects.create(service=service, listed=True, status="synced", in_directory=True)
    result = contact_details_recapitalise(service=service)
    details = ContactDetails.objects.get(service=service)
    assert (details.last_name, details.first_name) == ("Durand", "Claire")
    assert result.changed and Publication.objects.get(service=service).status == "scheduled"
    change = service.changes.get()
    assert change.source == ServiceChange.Source.SYSTEM
    assert change.changes["last_name"] == ["DURAND", "Durand"]
    assert not contact_details_recapitalise(service=service).changed  # once is enough

    ContactDetails.objects.filter(service=service).update(last_name="DURAND")
    contact_details_copy(source_service=service, targets=[target], actor=customer)
    assert ContactDetails.objects.get(service=target).last_name == "Durand"


def test_the_recapitalise_names_command_corrects_existing_records_and_lists_the_refused(customer, communes):
    """manage.py recapitalise_names, as the README runs it: every active record whose names were
    typed in one case, with a history row each; mixed case, capitals of a company and terminated
    services left alone; a homonym it may not create listed by service id, never by name."""
    shouted, lower_company, mixed, capitals_company, terminated, homonym = (
        make_service(customer, number=f"+3319900003{i}") for i in range(6)
    )
    make_contact_details(shouted, {**INDIVIDUAL_DETAILS, "last_name": "DURAND", "first_name": "CLAIRE"})
    Publication.objects.create(service=shouted, listed=True, status="synced", in_directory=True)
    make_contact_details(lower_company, {**COMPANY_DETAILS, "company_name": "boulangerie martin"})
    make_contact_details(mixed, {**INDIVIDUAL_DETAILS, "last_name": "de Gaulle", "first_name": "Charles"})
    # Neither field wholly in one case, yet typed in capitals but for the particle.
    particle = make_service(customer, number="+33199000340")
    make_contact_details(particle, {**INDIVIDUAL_DETAILS, "last_name": "de GAULLE", "first_name": "Charles"})
    make_contact_details(capitals_company, {**COMPANY_DETAILS, "company_name": "SNCF"})
    make_contact_details(terminated, {**INDIVIDUAL_DETAILS, "last_name": "MARTIN"})
    Service.objects.filter(pk=terminated.pk).update(state="terminated", terminated_at=timezone.now())
    # Stored before the homonym rule, an initial-only listing printed like another subscriber's,
    # that the directories refused: saving it again would print it anew, which the rule forbids.
    make_contact_details(homonym, {**INDIVIDUAL_DETAILS, "last_name": "BERNARD", "first_name": "Paul"})
    Publication.objects.create(service=homonym, listed=True, status="error", in_directory=False,
                               name_display="initial", error_reason="Homonymie")  # fmt: skip
    other = make_service(make_customer("carol", reference="ca30003-1"), number="+33199000399")
    make_contact_details(other, {**INDIVIDUAL_DETAILS, "last_name": "Bernard", "first_name": "P."})
    Publication.objects.create(service=other, listed=True, status="synced", in_directory=True)

    out = io.StringIO()
    call_command("recapitalise_names", "--batch-size", "2", stdout=out)
    text = out.getvalue()
    assert "7 records examined, 3 corrected (history row each), 1 scheduled" in text
    assert f"Refused service ids: {homonym.pk}" in text and "BERNARD" not in text
    assert "up to service" in text  # progress
    assert ContactDetails.objects.get(service=shouted).last_name == "Durand"
    assert ContactDetails.objects.get(service=particle).last_name == "de Gaulle"
    assert ContactDetails.objects.get(service=lower_company).company_name == "Boulangerie Martin"
    assert Publication.objects.get(service=shouted).status == "scheduled"
    assert {change.source for change in ServiceChange.objects.all()} == {ServiceChange.Source.SYSTEM}
    assert ContactDetails.objects.get(service=terminated).last_name == "MARTIN"
    assert ContactDetails.objects.get(service=capitals_company).company_name == "SNCF"
    assert ContactDetails.objects.get(service=homonym).last_name == "BERNARD"
    assert not ServiceChange.objects.filter(
        service__in=[mixed, capitals_company, terminated, homonym]
    ).exists()

    again = io.StringIO()
    call_command("recapitalise_names", stdout=again)
    assert "0 corrected" in again.getvalue() and ServiceChange.objects.count() == 3
