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
}
TRIED = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "TRACE")
NOT_OURS = ("admin", "django.conf.urls.i18n")


def our_patterns(patterns=None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if (
                not any(part in str(pattern.urlconf_name) for part in NOT_OURS)
                and pattern.app_name != "admin"
            ):
                yield from our_patterns(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield pattern


def test_the_table_names_every_url_pattern():
    names = {pattern.name for pattern in our_patterns()}
    assert names == set(METHODS), "add the new pattern to METHODS with the methods it takes"


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
        "service_history": [service.number_digits],
        "service_change": [service.number_digits, 1],
        "api_emergency_location": [service.number_digits],
        "bulk_apply_job": [1],
        "password_reset_confirm": ["MQ", "set-password"],
    }.get(name, [])
    url = reverse(name, args=arguments)
    for method in TRIED:
        if method in METHODS[name]:
            continue
        response = client.generic(method, url)
        assert response.status_code == 405, (name, method, response.status_code)
