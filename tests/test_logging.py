"""No telephone number, name or address reaches a log in clear (issue 10, logs)."""

import logging
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from lines.models import ContactDetails, Service
from telecom_panel.logging import mask

pytestmark = pytest.mark.django_db


def test_paths_and_query_strings_are_masked():
    assert mask("Not Found: /telephonie/33972102030/coordonnees/") == "Not Found: /telephonie/…/coordonnees/"
    # A number as people write it, in a path the API accepts (found in django.request's lines).
    for written in ("01 99 00 03 01", "+33-1-99-00-03-01", "06.12.34.56.78", "0033 1 99 00 03 01"):
        assert mask(f"Bad Request: /1.0/telephony/al…-1/service/{written}/directory") == (
            "Bad Request: /1.0/telephony/al…-1/service/…/directory"
        ), written
    # An IPv4 address is no telephone number: the server says where it listens.
    assert mask("Listening at: http://127.0.0.1:8000 (1234)") == "Listening at: http://127.0.0.1:… (…)"
    assert mask("proxy 192.168.10.200 refused") == "proxy 192.168.10.200 refused"
    assert (
        mask('"GET /annuaire/?nom=dupont&ville=Paris HTTP/1.1" 200 2698')
        == '"GET /annuaire/?… HTTP/1.1" 200 …'
    )


def test_the_demo_played_through_the_panel_leaves_no_number_or_name_in_the_logs(client, caplog, communes):
    caplog.set_level(logging.DEBUG)
    call_command("load_demo", "--force", stdout=StringIO())
    services = list(Service.objects.select_related("billing_account__owner"))
    # Through the sign-in page, so that its logs (django-axes included) are scanned too.
    client.post(reverse("login"), {"username": "demo", "password": "wrong"})
    assert client.post(reverse("login"), {"username": "demo", "password": "demo"}).status_code == 302
    for service in services:  # its own pages, and another customer's (404, logged by Django)
        for name in ("service_overview", "service_contact", "service_history"):
            client.get(reverse(name, args=[service.number_digits]))
    details = list(ContactDetails.objects.all())
    for person in details:
        client.get(
            reverse("directory_search"),
            {"nom": person.last_name or person.company_name, "ville": person.city},
        )
    # The development server's own access log, as `make run` writes it.
    logging.getLogger("django.server").info(
        '"%s" %s %s', f"GET /telephonie/{services[0].number_digits}/ HTTP/1.1", "404", "179"
    )

    text = caplog.text
    assert "Not Found" in text  # the 404s were logged, masked
    for service in services:
        assert service.number_digits not in text and service.number_digits[2:] not in text
    for person in details:
        for value in (person.last_name, person.company_name, person.street_name):
            assert not value or value not in text, value


def test_gunicorns_own_log_masks_urls(capsys):
    """A request gunicorn kills or fails is logged with its URL: masked like Django's lines."""
    from gunicorn.config import Config

    from telecom_panel.gunicorn_logging import MaskingLogger

    config = Config()
    config.set("errorlog", "-")
    MaskingLogger(config).error("Error handling request %s", "/annuaire/?nom=dupont&tel=0972102030")
    written = capsys.readouterr().err
    assert "Error handling request /annuaire/?…" in written
    assert "dupont" not in written and "0972102030" not in written
