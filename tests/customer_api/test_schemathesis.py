"""Schemathesis against the OpenAPI document the live server serves, with a signed, authorised key:
whatever it sends (valid or not, to every route), no answer is a 5xx, and every answer matches
what the document says of it (status, content type, headers, body schema).

Two checks are left out:
- `positive_data_acceptance` expects every schema-valid body to be accepted, but a body can be
  well-typed and still refused by the panel's rules (a SIRET with a wrong key, a postcode that is
  not the city's), which the document says with its 400 answer;
- `ignored_auth` sends wrong credentials, which the signer below replaces with right ones as the
  request leaves: the refusals of wrong credentials are the contract tests' rows 1 to 8."""

import time

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from customer_api.signing import signature
from tests import factories
from tests.customer_api.conftest import authorised_key

pytestmark = pytest.mark.django_db(transaction=True)
EXAMPLES = 50  # per operation
EVERYTHING = [{"method": method, "path": "/*"} for method in ("GET", "POST", "PUT", "DELETE")]


class Signed(requests.auth.AuthBase):
    """Signs the request as it leaves, over its final URL and body, as the official clients do."""

    def __init__(self, application, consumer_key, time_source):
        self.application, self.consumer_key, self.time_source = application, consumer_key, time_source

    def __call__(self, request):
        body = request.body or b""
        body = body.encode() if isinstance(body, str) else body
        timestamp = str(int(self.time_source()))
        request.headers.update({
            "X-Ovh-Application": self.application.application.key,
            "X-Ovh-Consumer": self.consumer_key,
            "X-Ovh-Timestamp": timestamp,
            "X-Ovh-Signature": signature(
                application_secret=self.application.secret, consumer_key=self.consumer_key,
                method=request.method, url=request.url, body=body, timestamp=timestamp,
            ),
        })  # fmt: skip
        return request


@pytest.fixture
def served_schema(api_base, settings_limits):
    return schemathesis.openapi.from_url(api_base + "/openapi.json")


@pytest.fixture
def settings_limits(settings):
    settings.API_RATE_LIMIT_PER_KEY = 1_000_000  # Schemathesis sends far more than a script would
    settings.API_RATE_LIMIT_PER_ADDRESS = 1_000_000


@pytest.fixture
def signer(application, alice):
    service = factories.make_service(alice, number="+33199000401")
    factories.make_contact_details(service)
    return Signed(application, authorised_key(application, alice, rules=EVERYTHING), time.time)


def _on_alices_line(generated):
    """Half the cases on alice's real account and line, so that they reach the forms and the
    services instead of stopping at a 404."""
    case, real = generated
    if real and case.path_parameters:
        case.path_parameters = {**case.path_parameters, "billingAccount": "al10001-1"}
        if "serviceName" in case.path_parameters:
            case.path_parameters["serviceName"] = "0033199000401"
    return case


def test_no_answer_is_a_server_error_or_breaks_the_document(served_schema, signer):
    """Every operation of the served document, each with its own generated cases. (Schemathesis'
    pytest plugin is not used: it cannot take a live server's fixture under this pytest.)"""
    operations = [result.ok() for result in served_schema.get_all_operations()]
    assert len(operations) == 15  # 4 auth, 4 telephony, 5 directory, 2 lookups

    for operation in operations:

        @given(case=st.tuples(operation.as_strategy(), st.booleans()).map(_on_alices_line))
        @settings(
            max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def answers_as_documented(case):
            response = case.call(auth=signer)
            case.validate_response(response, excluded_checks=[positive_data_acceptance, ignored_auth])

        answers_as_documented()
