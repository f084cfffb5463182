"""A GET writes nothing: the RIO is read on the pages that show it, and issued by the service layer
with a service's first contact details (or by migration 0008 for the services that had some)."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lines.models import Service
from lines.portability import port_out_check
from lines.rio import key_matches, parse_rio
from lines.services import contact_details_apply
from tests.factories import COMPANY_DETAILS, INDIVIDUAL_DETAILS, make_contact_details, make_service

pytestmark = pytest.mark.django_db
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def writes_of(method, client, url):
    client.get(reverse("service_list"))  # signing in and the session's own bookkeeping first
    with CaptureQueriesContext(connection) as queries:
        response = method(url)
    assert response.status_code == 200
    return [
        query["sql"] for query in queries.captured_queries if query["sql"].lstrip().upper().startswith(WRITES)
    ]


@pytest.fixture
def services_without_rio(customer):
    """A line whose details were stored before RIOs were issued with them, and one without any."""
    with_details = make_service(customer, number="+33199000031")
    make_contact_details(with_details, COMPANY_DETAILS)
    without_details = make_service(customer, number="+33199000032")
    assert Service.objects.filter(rio="").count() == 2
    return with_details, without_details


@pytest.mark.parametrize("method", ["get", "head"])
def test_the_overview_writes_nothing(client, customer, services_without_rio, method):
    client.force_login(customer)
    for service in services_without_rio:
        url = reverse("service_overview", args=[service.number_digits])
        assert writes_of(getattr(client, method), client, url) == []
    assert Service.objects.filter(rio="").count() == 2


def test_the_overview_says_when_the_rio_comes(client, customer, services_without_rio):
    with_details, without_details = services_without_rio
    client.force_login(customer)
    page = client.get(reverse("service_overview", args=[without_details.number_digits])).content.decode()
    assert "attribué dès que ses coordonnées sont renseignées" in page
    page = client.get(reverse("service_overview", args=[with_details.number_digits])).content.decode()
    assert "3179" in page


def test_the_admin_change_page_writes_nothing(client, support_staff, services_without_rio):
    client.force_login(support_staff)
    for service in services_without_rio:
        url = reverse("admin:lines_service_change", args=[service.pk])
        assert writes_of(client.get, client, url) == []
    assert Service.objects.filter(rio="").count() == 2


def test_the_rio_is_issued_with_the_first_contact_details_and_kept(client, customer):
    service = make_service(customer, number="+33199000033")
    contact_details_apply(
        service=service, details=COMPANY_DETAILS, publication={"listed": False}, actor=customer
    )
    service.refresh_from_db()
    rio = service.rio
    assert rio[2] == "G" and key_matches(parse_rio(rio), "0199000033")  # fixed line, business
    contact_details_apply(service=service, details={**COMPANY_DETAILS, "company_name": "Autre SA"},
                          publication={"listed": False}, actor=customer)  # fmt: skip
    service.refresh_from_db()
    assert service.rio == rio
    client.force_login(customer)
    page = client.get(reverse("service_overview", args=[service.number_digits])).content.decode()
    assert f"{rio[:2]} {rio[2]} {rio[3:9]} {rio[9:]}" in page


def test_a_port_out_check_issues_no_rio(services_without_rio):
    _, without_details = services_without_rio
    result = port_out_check(number="0199000032", rio="99FZZZZZZ000", channel="test", checked_by="tests")
    assert result.ground in {"key_mismatch", "rio_not_this_number"}
    without_details.refresh_from_db()
    assert without_details.rio == ""


def test_migration_0008_issues_the_missing_rios(customer, services_without_rio):
    with_details, without_details = services_without_rio
    individual = make_service(customer, number="+33612345678")
    make_contact_details(individual, INDIVIDUAL_DETAILS)
    terminated = make_service(customer, number="+33199000034")
    make_contact_details(terminated, INDIVIDUAL_DETAILS)
    Service.objects.filter(pk=terminated.pk).update(state="terminated", terminated_at=timezone.now())
    overseas = make_service(customer, number="+262262123456")
    make_contact_details(overseas, INDIVIDUAL_DETAILS)
    migration = importlib.import_module("lines.migrations.0008_issue_missing_rios")
    migration.issue_missing_rios(apps, None)
    rios = dict(Service.objects.values_list("pk", "rio"))
    assert rios[with_details.pk][2] == "G" and key_matches(parse_rio(rios[with_details.pk]), "0199000031")
    assert rios[individual.pk][2] == "P" and key_matches(parse_rio(rios[individual.pk]), "0612345678")
    assert rios[without_details.pk] == rios[terminated.pk] == rios[overseas.pk] == ""


def test_migration_0010_issues_the_missing_overseas_rios(customer):
    """Overseas services of the 10-digit plan with details get their RIO over their national form;
    Saint-Pierre-et-Miquelon's six digits, +269 (the Comoros') and services without details none."""
    services = {}
    for number in ("+590590201234", "+262692123456", "+508411234", "+2693212345", "+33199000035"):
        services[number] = make_service(customer, number=number)
        make_contact_details(services[number], INDIVIDUAL_DETAILS)
    bare = make_service(customer, number="+596596201234")
    migration = importlib.import_module("lines.migrations.0010_issue_overseas_rios")
    migration.issue_overseas_rios(apps, None)
    rios = dict(Service.objects.values_list("number", "rio"))
    assert rios["+590590201234"][2] == "F" and key_matches(parse_rio(rios["+590590201234"]), "0590201234")
    assert rios["+262692123456"][2] == "P" and key_matches(parse_rio(rios["+262692123456"]), "0692123456")
    assert rios["+508411234"] == rios["+2693212345"] == rios[str(bare.number)] == ""
    assert rios["+33199000035"] == ""  # metropolitan: 0008's, not this one's
