"""Operator API tokens carry scopes: each endpoint opens only to the tokens that name it."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from tests.factories import make_contact_details, make_service

TOKEN = "porting-desk-secret-token"


@pytest.fixture
def paris(customer):
    service = make_service(customer, number="+33199000051")
    make_contact_details(service, street_name="Voltaire")
    return service


def test_a_token_opens_only_the_endpoints_of_its_scopes(client, settings, paris):
    """The porting desk's token cannot read emergency addresses, nor the other way round."""
    settings.OPERATOR_API_TOKENS = [f"porting:portabilite:{TOKEN}", "routing:urgence:other-routing-token"]
    bearer = {"authorization": f"Bearer {TOKEN}"}
    refused = client.get(reverse("api_emergency_location", args=[paris.number_digits]), headers=bearer)
    assert refused.status_code == 403 and refused.json() == {"error": "forbidden_scope", "scope": "urgence"}
    assert "Voltaire" not in refused.content.decode()
    port = client.post(
        reverse("api_port_out_check"), data={}, content_type="application/json", headers=bearer
    )
    assert port.status_code == 200
    routing = {"authorization": "Bearer other-routing-token"}
    assert (
        client.get(reverse("api_emergency_location", args=[paris.number_digits]), headers=routing).status_code
        == 200
    )
    assert client.post(reverse("api_port_out_check"), data={}, content_type="application/json",
                       headers=routing).status_code == 403  # fmt: skip


@pytest.mark.parametrize("entry", ["routing:the-token", "routing:everything:the-token", ":urgence:the-token",
                                   "routing:urgence:"])  # fmt: skip
def test_a_token_without_valid_scopes_grants_nothing_and_stops_the_start(client, settings, paris, entry):
    settings.OPERATOR_API_TOKENS = [entry]
    response = client.get(reverse("api_emergency_location", args=[paris.number_digits]),
                          headers={"authorization": "Bearer the-token"})  # fmt: skip
    assert response.status_code == 401
    with pytest.raises(SystemCheckError, match=r"lines\.E001"):
        call_command("check")
