"""Every page of ours answers only the methods it declares: 405 for any other, whoever asks.

The table below must name every URL pattern of the project (Django's admin and i18n aside): a
new pattern without its entry fails this test until someone decides which methods it takes."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import make_service

pytestmark = pytest.mark.django_db
SAFE = {"GET", "HEAD"}
METHODS = {
    "login": SAFE | {"POST"},
    "logout": {"POST"},
    "home": SAFE,
    "service_list": SAFE,
    "bulk_apply": SAFE | {"POST"},
    "bulk_apply_job": SAFE,
    "service_overview": SAFE,
    "service_contact": SAFE,
    "service_contact_edit": SAFE | {"POST"},
    "service_emergency": SAFE,
    "postcode_communes": SAFE,
    "service_history": SAFE,
    "service_change": SAFE,
    "api_emergency_location": {"GET"},
    "api_port_out_check": {"POST"},
    "directory_search": SAFE,
    "directory_reverse": SAFE,
    "healthz": SAFE,
    "readyz": SAFE,
    "metrics": SAFE,
    "account_security": SAFE,
    "otp_setup": SAFE | {"POST"},
    "otp_start": {"POST"},
    "otp_disable": {"POST"},
    "email_preferences": {"POST"},
    "otp_verify": SAFE | {"POST"},
    "password_change": SAFE | {"POST"},
    "password_change_done": SAFE,
    "password_reset": SAFE | {"POST"},
    "password_reset_done": SAFE,
    "password_reset_confirm": SAFE | {"POST"},
    "password_reset_complete": SAFE,
    "api_access": SAFE,
    "api_application_create": SAFE | {"POST"},
    "api_application_revoke": {"POST"},
    "api_key_revoke": {"POST"},
    "api_consent": SAFE | {"POST"},
    "api_help": SAFE,
}
TRIED = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "TRACE")
NOT_OURS = ("admin", "django.conf.urls.i18n")
# The customers' API declares its methods in its OpenAPI document: tested below from it.
CUSTOMER_API = ("customer_api", "customer_api_v1")


def our_patterns(patterns=None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if (
                not any(part in str(pattern.urlconf_name) for part in NOT_OURS)
                and pattern.app_name != "admin"
                and pattern.namespace not in CUSTOMER_API
            ):
                yield from our_patterns(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield pattern


def test_the_table_names_every_url_pattern():
    names = {pattern.name for pattern in our_patterns()} - {"api_not_found"}
    assert names == set(METHODS), "add the new pattern to METHODS with the methods it takes"


def test_the_customer_api_answers_json_405_to_every_method_its_document_does_not_declare(client):
    """Each path of /1.0/openapi.json, under /1.0 and /v1: a method it does not list is a JSON 405
    naming the allowed ones, before any authentication; anything under the prefixes that is no
    route is a JSON 404, whatever the method."""
    document = client.get("/1.0/openapi.json").json()
    assert len(document["paths"]) == 14  # 15 operations: GET and PUT share the directory's path
    for path, operations in document["paths"].items():
        declared = {method.upper() for method in operations}
        url = path.replace("{billingAccount}", "al10001-1").replace("{serviceName}", "0033972102030")
        for prefix in ("/1.0", "/v1"):
            for method in set(TRIED) - declared:
                response = client.generic(method, prefix + url.removeprefix("/1.0"))
                assert response.status_code == 405, (method, path, response.status_code)
                assert response["Content-Type"] == "application/json", (method, path)
                assert set(response["Allow"].split(", ")) == declared, (method, path)
                if method != "HEAD":
                    assert response.json()["errorCode"] == "METHOD_NOT_ALLOWED"
    for method in TRIED:
        for url in ("/1.0/nope", "/v1/", "/1.0/telephony/a/b/c/d/e/f/g"):
            response = client.generic(method, url)
            assert response.status_code == 404 and response["Content-Type"] == "application/json", (
                method,
                url,
            )


@pytest.mark.parametrize("signed_in", [True, False])
@pytest.mark.parametrize("name", sorted(METHODS))
def test_methods_not_declared_are_refused(name, signed_in, client, customer):
    if signed_in:
        client.force_login(customer)
    service = make_service(customer)
    arguments = {
        "service_overview": [service.number_digits],
        "service_contact": [service.number_digits],
        "service_contact_edit": [service.number_digits],
        "service_emergency": [service.number_digits],
        "postcode_communes": ["75011"],
        "service_history": [service.number_digits],
        "service_change": [service.number_digits, 1],
        "api_emergency_location": [service.number_digits],
        "bulk_apply_job": [1],
        "password_reset_confirm": ["MQ", "set-password"],
        "api_application_revoke": [1],
        "api_key_revoke": [1],
    }.get(name, [])
    url = reverse(name, args=arguments)
    for method in TRIED:
        if method in METHODS[name]:
            continue
        response = client.generic(method, url)
        assert response.status_code == 405, (name, method, response.status_code)
