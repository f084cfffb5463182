"""Hostile input answers 400, never a 500, and nothing is saved (issue 10, input)."""

import json
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lines.models import ContactDetails
from tests.factories import make_service, make_staff

pytestmark = pytest.mark.django_db
TOKEN = "porting:portabilite:s3cret-token-for-tests"
NUL, SURROGATE = "\x00", "\ud800"


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    """The public directory counts requests per address: these tests must not use up another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(settings, client):
    settings.OPERATOR_API_TOKENS = [TOKEN]

    def post(body: bytes):
        return client.post(
            reverse("api_port_out_check"),
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION="Bearer s3cret-token-for-tests",
        )

    return post


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (json.dumps({"number": NUL, "rio": "x"}).encode(), "invalid_characters"),
        (b'{"number": "\\ud800", "rio": "x"}', "invalid_characters"),
        (b'{"\\u0000": "x"}', "invalid_characters"),
        (b"[" * 100_000, "too_large"),
        (b"[" * 5_000, "too_deep"),
        (b'{"number": "' + b"9" * 20_000 + b'"}', "too_large"),
        (b"\xff\xfe", "invalid_json"),
        (b"{", "invalid_json"),
    ],
)
def test_the_json_endpoint_refuses_hostile_bodies(api, body, error):
    response = api(body)
    assert (response.status_code, response.json()) == (400, {"error": error})


def test_nul_in_a_filter_a_search_or_a_form_is_refused_before_any_view(client, customer, communes):
    service = make_service(customer)
    client.force_login(customer)
    for url in (reverse("service_list") + "?q=%00", reverse("directory_search") + "?nom=du%00pont",
                reverse("service_list") + "?%00=1"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 400 and "caractère interdit" in response.content.decode()
    response = client.post(
        reverse("service_contact_edit", args=[service.number_digits]),
        {"legal_form": "individual", "last_name": "Du" + NUL + "rand", "first_name": "Claire",
         "street_name": "Oberkampf", "postcode": "75011", "city": "Paris"},
    )  # fmt: skip
    assert response.status_code == 400
    assert not ContactDetails.objects.exists()


def test_admin_filters_with_nul_are_refused(client):
    client.force_login(make_staff("sam", group="support"))
    for query in ("departement=%00", "kind__exact=%00", "publication__status__exact=%00"):
        response = client.get(reverse("admin:lines_service_changelist") + "?" + query)
        assert response.status_code == 400, query


HOSTILE_TEXT = st.text(
    alphabet=st.sampled_from([NUL, SURROGATE, "a", "é", "0", " ", "%", "&", "="]), min_size=1
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=HOSTILE_TEXT, page=st.sampled_from(["service_list", "directory_search", "directory_reverse"]))
def test_any_query_parameter_answers_below_500(client, customer, value, page):
    """Bytes as a hostile client sends them: a lone surrogate can only arrive percent-encoded as
    invalid UTF-8 (Django reads it as U+FFFD); a NUL arrives as itself."""
    client.force_login(customer)
    encoded = quote(value.encode("utf-8", "surrogatepass"), safe="")
    query = "&".join(f"{name}={encoded}" for name in ("q", "nom", "numero", "page"))
    response = client.get(f"{reverse(page)}?{query}")
    assert response.status_code < 500
    if NUL in value:
        assert response.status_code == 400
