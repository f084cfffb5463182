"""Operator API tokens carry scopes: each endpoint opens only to the tokens that name it."""

import os
import subprocess
import sys

import pytest
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
def test_a_token_without_valid_scopes_grants_nothing(client, settings, paris, entry):
    settings.OPERATOR_API_TOKENS = [entry]
    response = client.get(reverse("api_emergency_location", args=[paris.number_digits]),
                          headers={"authorization": "Bearer the-token"})  # fmt: skip
    assert response.status_code == 401


@pytest.mark.parametrize(
    "entrypoint",
    [
        "import telecom_panel.wsgi",
        "from telecom_panel.celery import app; app.loader.import_default_modules()",
    ],
)
def test_a_malformed_token_stops_every_process_at_start(entrypoint):
    """The web process and the worker too, not only manage.py's checks."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "telecom_panel.settings.base", "ENV_FILE": os.devnull,
                   "OPERATOR_API_TOKENS": "routage:urgence:tok1,oldstyle:tok2"}  # fmt: skip
    result = subprocess.run([sys.executable, "-c", entrypoint], env=environment, capture_output=True, text=True,
                            timeout=60)  # fmt: skip
    assert result.returncode != 0
    assert "OPERATOR_API_TOKENS: every entry reads name:scopes:token" in result.stderr
