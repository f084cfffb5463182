"""What a signed call costs, and what the API answers and logs when our own code fails: a JSON 500
the client can read, and a log line that names the route, never the number in the path."""

import logging

import pytest
from django.test import Client

from customer_api.services import api_application_create
from tests import factories
from tests.customer_api.conftest import authorised_key, signed_headers

pytestmark = pytest.mark.django_db


def test_a_failure_of_ours_is_a_json_500_and_its_log_names_the_route_not_the_number(
    customer, monkeypatch, caplog
):
    service = factories.make_service(customer, number="+33199000501")
    factories.make_contact_details(service)
    application = api_application_create(owner=customer, name="Script")
    key = authorised_key(application, customer)

    def broken(service):
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr("customer_api.api.directory_info", broken)
    path = "/1.0/telephony/al10001-1/service/0033199000501/directory"
    with caplog.at_level(logging.ERROR):
        response = Client(raise_request_exception=False).get(
            path, **signed_headers(application, key, "GET", "http://testserver" + path)
        )
    assert response.status_code == 500 and response.json()["errorCode"] == "INTERNAL_ERROR"
    assert response["X-Ovh-QueryId"].startswith("TP-")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "API error on GET /1.0/telephony/<billingAccount>/service/<serviceName>/directory" in logged
    assert "199000501" not in logged and "al10001" not in logged


def test_a_signed_read_costs_two_queries_once_its_last_use_is_recent(customer, django_assert_num_queries):
    """The key with its application and owners (one query), then the service with its details and
    publication (one); the last use is written at most once a minute, not on every call."""
    service = factories.make_service(customer, number="+33199000502")
    factories.make_contact_details(service)
    application = api_application_create(owner=customer, name="Script")
    key = authorised_key(application, customer)
    path = "/1.0/telephony/al10001-1/service/0033199000502/directory"
    client = Client()
    first = client.get(path, **signed_headers(application, key, "GET", "http://testserver" + path))
    assert first.status_code == 200
    with django_assert_num_queries(2):
        again = client.get(path, **signed_headers(application, key, "GET", "http://testserver" + path))
    assert again.json() == first.json()


@pytest.mark.parametrize(
    ("path", "request_options"),
    [
        ("/1.0/telephony", {"HTTP_HOST": "evil.example"}),  # a Host outside ALLOWED_HOSTS
        ("/v1/telephony", {"QUERY_STRING": "&".join(f"f{n}=1" for n in range(1100))}),  # too many fields
        ("/1.0", {"QUERY_STRING": "x=%00"}),  # a NUL, at the bare prefix
    ],
)
def test_what_django_refuses_before_any_view_is_json_under_the_api(path, request_options):
    response = Client().get(path, **request_options)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json", response.content[:200]
    assert response.json()["httpCode"] == "400 Bad Request"


def test_outside_the_api_django_400_page_is_unchanged(client):
    response = client.get("/telephonie/", HTTP_HOST="evil.example")
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
